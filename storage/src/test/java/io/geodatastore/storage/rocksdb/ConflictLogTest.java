package io.geodatastore.storage.rocksdb;

import static io.geodatastore.storage.rocksdb.Stores.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.crdt.Conflict;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.ConflictCodec;
import io.geodatastore.storage.ConflictRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.LogEntry;
import io.geodatastore.storage.MergeResult;
import io.geodatastore.storage.WriteResult;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The persistent conflict log: every kind of resolution is logged by the write or merge that made
 * it, newest first, per key, across restarts, within its count and age bounds.
 */
class ConflictLogTest {

  @TempDir Path dir;
  final AtomicLong clockA = new AtomicLong(1_000_000);
  final AtomicLong clockB = new AtomicLong(1_000_000);

  private RocksStore open(String name, AtomicLong clock) {
    return RocksStore.open(Stores.fast(dir.resolve(name), name).withWallClock(clock::get));
  }

  private static void mergeAll(RocksStore from, RocksStore into) {
    for (LogEntry e : from.readLog(from.replicaId(), 1, 10_000, Long.MAX_VALUE)) {
      await(into.merge(e));
    }
  }

  @Test
  void everyKindIsLoggedByTheMergeOrWriteThatResolvedItAndSurvivesARestart() {
    KeyRef lww = KeyRef.of(Family.REGISTERS, "lww");
    KeyRef mv = KeyRef.of(Family.REGISTERS, "mv");
    KeyRef typed = KeyRef.of(Family.SETS, "typed");
    KeyRef twoPhase = KeyRef.of(Family.SETS, "2p");
    try (RocksStore a = open("node-a", clockA);
        RocksStore b = open("node-b", clockB)) {
      // Concurrent LWW writes; b's is later and wins at a.
      await(a.write(lww, new Operation.Write("\"from-a\"", null)));
      clockB.addAndGet(10);
      await(b.write(lww, new Operation.Write("\"from-b\"", null)));
      // Concurrent MV writes: siblings.
      await(a.write(mv, new Operation.Create(CrdtType.MV_REGISTER, write("\"mv-a\""))));
      await(b.write(mv, new Operation.Create(CrdtType.MV_REGISTER, write("\"mv-b\""))));
      // One key created concurrently as two types.
      await(a.write(typed, new Operation.Create(CrdtType.OR_SET, add("\"x\""))));
      await(b.write(typed, new Operation.Create(CrdtType.G_SET, add("\"y\""))));
      mergeAll(b, a);

      // A removed 2P-Set element cannot come back: the add is refused, at the write.
      await(a.write(twoPhase, new Operation.Create(CrdtType.TWO_PHASE_SET, add("\"e\""))));
      await(a.write(twoPhase, new Operation.Remove(List.of("\"e\""))));
      clockA.addAndGet(5);
      WriteResult.Written refused = (WriteResult.Written) await(a.write(twoPhase, add("\"e\"")));
      assertThat(refused.conflicts()).hasSize(1);

      assertThat(kinds(a.conflicts(null, null, 100)))
          .containsExactly(
              Conflict.Kind.TWO_PHASE_SET_READD_REFUSED,
              Conflict.Kind.TYPE_MISMATCH,
              Conflict.Kind.MV_REGISTER_SIBLINGS,
              Conflict.Kind.LWW_CONCURRENT_OVERWRITE);
      ConflictRecord overwrite = a.conflicts(null, "lww", 10).getFirst();
      assertThat(overwrite.key()).isEqualTo(lww);
      assertThat(overwrite.type()).isEqualTo(CrdtType.LWW_REGISTER);
      assertThat(overwrite.conflict().values()).containsExactly("\"from-b\"", "\"from-a\"");
      assertThat(overwrite.conflict().replicas()).containsExactly(b.replicaId(), a.replicaId());
      assertThat(overwrite.atMs()).isEqualTo(1_000_000);
      ConflictRecord mismatch = a.conflicts(Family.SETS, "typed", 10).getFirst();
      assertThat(mismatch.type()).as("the type kept").isEqualTo(CrdtType.G_SET);
      assertThat(mismatch.conflict().values()).containsExactly("g_set", "or_set");
      assertThat(a.conflicts(Family.SETS, "lww", 10)).as("another family's key").isEmpty();
      assertThat(a.conflicts(null, "nothing-here", 10)).isEmpty();
      assertThat(kinds(b.conflicts(null, null, 100))).as("b merged nothing").isEmpty();

      // The losing LWW write arriving at the winner is a conflict there too; the record does not
      // change, so only the log entry is written.
      mergeAll(a, b);
      MergeResult again = await(b.merge(a.readLog(a.replicaId(), 1, 1, Long.MAX_VALUE).get(0)));
      assertThat(again.changed()).isFalse();
      assertThat(kinds(b.conflicts(null, "lww", 10)))
          .containsOnly(Conflict.Kind.LWW_CONCURRENT_OVERWRITE);
    }
    try (RocksStore a = open("node-a", clockA)) {
      assertThat(kinds(a.conflicts(null, null, 100)))
          .as("after a restart")
          .containsExactly(
              Conflict.Kind.TWO_PHASE_SET_READD_REFUSED,
              Conflict.Kind.TYPE_MISMATCH,
              Conflict.Kind.MV_REGISTER_SIBLINGS,
              Conflict.Kind.LWW_CONCURRENT_OVERWRITE);
      assertThat(a.conflictLogSize()).isEqualTo(4);
      assertThat(a.conflicts(null, null, 2)).hasSize(2);
      // New entries still come first after the restart.
      clockA.addAndGet(1);
      await(a.write(twoPhase, add("\"e\"")));
      assertThat(a.conflicts(null, null, 1).getFirst().key()).isEqualTo(twoPhase);
      assertThat(a.conflicts(null, "2p", 10)).hasSize(2);
    }
  }

  @Test
  void theLogKeepsTheNewestEntriesWithinItsCountBound() {
    KeyRef k = KeyRef.of(Family.SETS, "refusals");
    KeyRef other = KeyRef.of(Family.SETS, "other");
    int max = 200;
    try (RocksStore s =
        RocksStore.open(
            Stores.fast(dir.resolve("n"), "n")
                .withWallClock(clockA::get)
                .withConflictLog(max, 3_600_000))) {
      refuseAdds(s, other, 0, 1);
      refuseAdds(s, k, 0, 1_000);
      // Trimmed as it grows: never more than the bound and its slack of 16.
      assertThat(s.conflictLogSize()).isBetween((long) max, (long) max + 16);
      s.expireConflicts();
      assertThat(s.conflictLogSize()).isEqualTo(max);
      List<ConflictRecord> all = s.conflicts(null, null, 10_000);
      assertThat(all).hasSize(max);
      // Newest first: each refused add carries the element's number.
      assertThat(all.getFirst().conflict().values()).containsExactly("\"e999\"");
      assertThat(all.getLast().conflict().values()).containsExactly("\"e800\"");
      assertThat(s.conflicts(null, "refusals", 10_000)).isEqualTo(all);
      assertThat(s.conflicts(null, "other", 10)).as("trimmed, index too").isEmpty();
    }
  }

  @Test
  void entriesPastTheAgeBoundAreHiddenAndThenDeleted() {
    KeyRef k = KeyRef.of(Family.SETS, "aging");
    long hourMs = 3_600_000;
    try (RocksStore s =
        RocksStore.open(
            Stores.fast(dir.resolve("n"), "n")
                .withWallClock(clockA::get)
                .withConflictLog(1_000, 2 * hourMs))) {
      refuseAdds(s, k, 0, 3);
      clockA.addAndGet(hourMs);
      refuseAdds(s, k, 3, 2);
      assertThat(s.conflicts(null, null, 100)).hasSize(5);
      clockA.addAndGet(hourMs + 1);
      // The first three are now older than two hours: gone from reads at once.
      assertThat(s.conflicts(null, null, 100)).hasSize(2);
      assertThat(s.conflicts(null, "aging", 100)).hasSize(2);
      assertThat(s.conflictLogSize()).isEqualTo(5);
      assertThat(s.expireConflicts()).isEqualTo(3);
      assertThat(s.conflictLogSize()).isEqualTo(2);
      clockA.addAndGet(2 * hourMs);
      assertThat(s.expireConflicts()).isEqualTo(2);
      assertThat(s.conflicts(null, null, 100)).isEmpty();
    }
  }

  @Test
  void theCodecRoundTripsAndBoundsWhatItKeeps() throws Exception {
    ConflictRecord r =
        new ConflictRecord(
            42,
            KeyRef.of(Family.REGISTERS, "ключ"),
            CrdtType.MV_REGISTER,
            new Conflict(
                Conflict.Kind.MV_REGISTER_SIBLINGS,
                "register holds 2 concurrent values",
                List.of("{\"a\":1}", "\"é\""),
                List.of(ReplicaId.of("a.1"), ReplicaId.of("b.2"))));
    assertThat(ConflictCodec.decode(ConflictCodec.encode(r))).isEqualTo(r);

    String big = "\"" + "x".repeat(ConflictCodec.VALUE_BYTES_MAX) + "\"";
    List<String> many = java.util.Collections.nCopies(100, big);
    ConflictRecord huge =
        new ConflictRecord(
            1,
            KeyRef.of(Family.REGISTERS, "k"),
            CrdtType.MV_REGISTER,
            new Conflict(Conflict.Kind.MV_REGISTER_SIBLINGS, "d", many, List.of()));
    byte[] bytes = ConflictCodec.encode(huge);
    assertThat(bytes.length).isLessThan(4_096);
    ConflictRecord back = ConflictCodec.decode(bytes);
    assertThat(back.conflict().values()).hasSize(ConflictCodec.VALUES_MAX);
    assertThat(back.conflict().values().getFirst()).contains("bytes, not kept");

    bytes[bytes.length - 1] ^= 1;
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConflictCodec.decode(bytes))
        .isInstanceOf(io.geodatastore.storage.CorruptRecordException.class);
  }

  /** {@code n} refused re-adds of elements e{from}, … of a 2P-Set, one conflict each. */
  private void refuseAdds(RocksStore s, KeyRef k, int from, int n) {
    for (int i = from; i < from + n; i++) {
      String e = "\"e" + i + "\"";
      await(s.write(k, new Operation.Create(CrdtType.TWO_PHASE_SET, add(e))));
      await(s.write(k, new Operation.Remove(List.of(e))));
      WriteResult.Written w = (WriteResult.Written) await(s.write(k, add(e)));
      assertThat(w.conflicts()).hasSize(1);
    }
  }

  private static Operation add(String e) {
    return new Operation.Add(List.of(e));
  }

  private static Operation write(String v) {
    return new Operation.Write(v, null);
  }

  private static List<Conflict.Kind> kinds(List<ConflictRecord> rs) {
    return rs.stream().map(r -> r.conflict().kind()).toList();
  }
}
