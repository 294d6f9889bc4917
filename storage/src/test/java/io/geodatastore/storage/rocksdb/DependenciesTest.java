package io.geodatastore.storage.rocksdb;

import static io.geodatastore.storage.rocksdb.Stores.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.LogEntry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dependencies a store stamps on its log entries, and that they survive a restart. */
class DependenciesTest {

  @TempDir Path dir;
  RocksStore a;
  RocksStore b;
  final KeyRef x = KeyRef.of(Family.COUNTERS, "x");
  final KeyRef y = KeyRef.of(Family.SETS, "y");

  @BeforeEach
  void open() {
    a = RocksStore.open(Stores.fast(dir.resolve("a"), "node-a"));
    b = RocksStore.open(Stores.fast(dir.resolve("b"), "node-b"));
  }

  @AfterEach
  void close() {
    a.close();
    b.close();
  }

  private static List<LogEntry> log(RocksStore s) {
    return s.readLog(s.replicaId(), 1, 10_000, Long.MAX_VALUE);
  }

  private void mergeAllOfBIntoA() {
    for (LogEntry e : log(b)) {
      await(a.merge(e));
    }
  }

  @Test
  void aWriteDependsOnTheMergesBeforeItAndCarriesOnlyWhatIsNew() {
    for (int i = 0; i < 3; i++) {
      await(b.write(x, new Operation.Increment(1)));
    }
    assertThat(log(b)).allMatch(e -> e.deps().isEmpty());
    mergeAllOfBIntoA();
    await(a.write(y, new Operation.Add(List.of("e1"))));
    await(a.write(x, new Operation.Increment(1)));
    await(b.write(x, new Operation.Increment(1)));
    mergeAllOfBIntoA();
    await(a.delete(y));

    List<LogEntry> entries = log(a);
    assertThat(entries)
        .extracting(LogEntry::deps)
        .containsExactly(
            VersionVector.of(b.replicaId(), 3),
            VersionVector.EMPTY,
            VersionVector.of(b.replicaId(), 4));
    assertThat(a.visible())
        .isEqualTo(VersionVector.of(Map.of(b.replicaId(), 4L, a.replicaId(), 3L)));
  }

  @Test
  void whatIsVisibleSurvivesARestartAndTheFirstWriteAfterItCarriesAll() {
    await(b.write(x, new Operation.Increment(1)));
    mergeAllOfBIntoA();
    ReplicaId c = ReplicaId.of("node-c.00000000");
    a.noteVisible(VersionVector.of(Map.of(c, 7L, a.replicaId(), 99L)));
    await(a.write(x, new Operation.Increment(1)));
    assertThat(log(a).getFirst().deps())
        .as("never the own origin")
        .isEqualTo(VersionVector.of(Map.of(b.replicaId(), 1L, c, 7L)));
    await(a.write(x, new Operation.Increment(1)));

    a.close();
    a = RocksStore.open(Stores.fast(dir.resolve("a"), "node-a"));
    await(a.write(x, new Operation.Increment(1)));
    await(a.write(x, new Operation.Increment(1)));
    assertThat(log(a))
        .extracting(LogEntry::deps)
        .containsExactly(
            VersionVector.of(Map.of(b.replicaId(), 1L, c, 7L)),
            VersionVector.EMPTY,
            VersionVector.of(Map.of(b.replicaId(), 1L, c, 7L)),
            VersionVector.EMPTY);
  }

  /** An entry merged again after later ones (a retransmission) never lowers the persisted mark. */
  @Test
  void aRetransmittedOlderEntryDoesNotLowerWhatIsVisibleAfterARestart() {
    for (int i = 0; i < 5; i++) {
      await(b.write(x, new Operation.Increment(1)));
    }
    mergeAllOfBIntoA();
    await(a.merge(log(b).get(1)));
    a.close();
    a = RocksStore.open(Stores.fast(dir.resolve("a"), "node-a"));
    assertThat(a.visible()).isEqualTo(VersionVector.of(b.replicaId(), 5));
  }
}
