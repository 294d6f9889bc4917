package io.geodatastore.core.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.DotContext;
import io.geodatastore.core.causal.ReplicaId;
import org.junit.jupiter.api.Test;

class MvRegisterTest {

  private static final ReplicaId A = ReplicaId.of("a");
  private static final ReplicaId B = ReplicaId.of("b");

  @Test
  void twoConcurrentWritesAreBothKeptAndReportedAsSiblings() {
    Update<MvRegister> atA = MvRegister.EMPTY.write(A, "1", null);
    Update<MvRegister> atB = MvRegister.EMPTY.write(B, "2", null);
    Crdt.Merged<MvRegister> merged = atA.state().mergeReporting(atB.delta());
    assertThat(merged.state().values()).containsExactlyInAnyOrder("1", "2");
    assertThat(merged.conflicts())
        .extracting(Conflict::kind)
        .containsExactly(Conflict.Kind.MV_REGISTER_SIBLINGS);
    assertThat(atB.state().merge(atA.delta())).isEqualTo(merged.state());
  }

  @Test
  void aWriteWithTheReadContextReplacesBothSiblings() {
    MvRegister both =
        MvRegister.EMPTY
            .write(A, "1", null)
            .state()
            .merge(MvRegister.EMPTY.write(B, "2", null).delta());
    DotContext read = both.context();
    Update<MvRegister> w = both.write(A, "3", read);
    assertThat(w.state().values()).containsExactly("3");
    assertThat(w.conflicts()).isEmpty();
    assertThat(both.merge(w.delta()).values()).containsExactly("3");
  }

  @Test
  void aWriteWithAnOldContextKeepsAConcurrentValue() {
    MvRegister first = MvRegister.EMPTY.write(A, "1", null).state();
    DotContext oldRead = first.context();
    MvRegister withB = first.merge(first.write(B, "2", null).delta());
    // withB holds only "2" (B's write saw "1"); a second B write arrives concurrently.
    MvRegister concurrent =
        withB.merge(MvRegister.EMPTY.write(ReplicaId.of("c"), "c", null).delta());
    Update<MvRegister> w = concurrent.write(A, "3", oldRead);
    assertThat(w.state().values()).containsExactlyInAnyOrder("2", "c", "3");
    assertThat(w.conflicts())
        .extracting(Conflict::kind)
        .containsExactly(Conflict.Kind.MV_REGISTER_SIBLINGS);
  }

  @Test
  void aForgedContextClaimingUnseenDotsCannotHideAWriteThisReplicaHasNotSeen() {
    Update<MvRegister> atB = MvRegister.EMPTY.write(B, "b", null);
    MvRegister atA = MvRegister.EMPTY.write(A, "a", null).state();
    DotContext forged = DotContext.of(Dot.of("a", 1), Dot.of("b", 1), Dot.of("b", 2));
    Update<MvRegister> w = atA.write(A, "a2", forged);
    assertThat(w.state().values()).containsExactly("a2");
    assertThat(w.delta().context().contains(Dot.of("b", 1))).isFalse();
    assertThat(w.state().merge(atB.delta()).values()).containsExactlyInAnyOrder("a2", "b");
    assertThat(atB.state().merge(w.delta()).values()).containsExactlyInAnyOrder("a2", "b");
  }

  @Test
  void aWriteWithoutAContextReplacesEveryValuePresent() {
    MvRegister both =
        MvRegister.EMPTY
            .write(A, "1", null)
            .state()
            .merge(MvRegister.EMPTY.write(B, "2", null).delta());
    assertThat(both.write(B, "3", null).state().values()).containsExactly("3");
  }
}
