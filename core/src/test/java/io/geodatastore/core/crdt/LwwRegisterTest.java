package io.geodatastore.core.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.geodatastore.core.causal.Hlc;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.ReplicaId;
import org.junit.jupiter.api.Test;

class LwwRegisterTest {

  private static final ReplicaId A = ReplicaId.of("a");
  private static final ReplicaId B = ReplicaId.of("b");

  @Test
  void aWriteByALaggingClockAfterReceivingTheStateStillWins() {
    long now = 1_700_000_000_000L;
    Hlc clockA = Hlc.create(60_000).tick(now);
    LwwRegister atA = LwwRegister.EMPTY.write(A, "from a", clockA.timestamp()).state();
    // B's wall clock is 10 s behind A's; it receives A's state, then writes.
    Hlc clockB =
        Hlc.create(60_000).receive(atA.timestamp(), now - 10_000).clock().tick(now - 9_990);
    Update<LwwRegister> w = atA.write(B, "from b", clockB.timestamp());
    assertThat(w.changed()).isTrue();
    assertThat(w.state().value()).isEqualTo("from b");
    assertThat(atA.merge(w.delta()).value()).isEqualTo("from b");
    assertThat(atA.mergeReporting(w.delta()).conflicts()).as("a sequential overwrite").isEmpty();
  }

  @Test
  void concurrentWritesResolveAlikeByTimestampThenReplica() {
    HlcTimestamp t = new HlcTimestamp(1_000, 0);
    LwwRegister a = LwwRegister.EMPTY.write(A, "a", t).state();
    LwwRegister b = LwwRegister.EMPTY.write(B, "b", t).state();
    assertThat(a.merge(b).value()).isEqualTo("b");
    assertThat(b.merge(a).value()).isEqualTo("b");
    LwwRegister later = LwwRegister.EMPTY.write(A, "a later", new HlcTimestamp(1_000, 1)).state();
    assertThat(later.merge(b).value()).isEqualTo("a later");
    assertThat(b.merge(later)).isEqualTo(later.merge(b));
  }

  @Test
  void mergeReportingReportsAConcurrentOverwrite() {
    LwwRegister a = LwwRegister.EMPTY.write(A, "a", new HlcTimestamp(1_000, 0)).state();
    LwwRegister b = LwwRegister.EMPTY.write(B, "b", new HlcTimestamp(2_000, 0)).state();
    Crdt.Merged<LwwRegister> m = a.mergeReporting(b);
    assertThat(m.state()).isEqualTo(b);
    assertThat(m.conflicts()).hasSize(1);
    Conflict c = m.conflicts().get(0);
    assertThat(c.kind()).isEqualTo(Conflict.Kind.LWW_CONCURRENT_OVERWRITE);
    assertThat(c.values()).containsExactly("b", "a");
    assertThat(c.replicas()).containsExactly(B, A);
    assertThat(b.mergeReporting(a).conflicts())
        .extracting(Conflict::kind)
        .containsExactly(Conflict.Kind.LWW_CONCURRENT_OVERWRITE);
  }

  @Test
  void mergeReportingReportsNothingForASequentialOverwrite() {
    LwwRegister a = LwwRegister.EMPTY.write(A, "a", new HlcTimestamp(1_000, 0)).state();
    LwwRegister b = a.write(B, "b", new HlcTimestamp(2_000, 0)).state();
    assertThat(a.mergeReporting(b).conflicts()).isEmpty();
    assertThat(b.mergeReporting(a).conflicts()).isEmpty();
  }

  @Test
  void aLocalWriteWithAnOlderTimestampIsLostAndReported() {
    LwwRegister cur = LwwRegister.EMPTY.write(A, "a", new HlcTimestamp(2_000, 0)).state();
    Update<LwwRegister> w = cur.write(B, "b", new HlcTimestamp(1_000, 0));
    assertThat(w.changed()).isFalse();
    assertThat(w.state()).isSameAs(cur);
    assertThat(w.conflicts())
        .extracting(Conflict::kind)
        .containsExactly(Conflict.Kind.LWW_WRITE_LOST);
    assertThat(cur.write(B, "b", new HlcTimestamp(2_000, 0)).conflicts())
        .as("an equal timestamp does not replace either")
        .extracting(Conflict::kind)
        .containsExactly(Conflict.Kind.LWW_WRITE_LOST);
  }

  @Test
  void aWriteAtTheZeroTimestampIsAProgrammerErrorNotANullPointer() {
    assertThatThrownBy(() -> LwwRegister.EMPTY.write(ReplicaId.of("a"), "\"v\"", HlcTimestamp.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("after zero");
  }
}
