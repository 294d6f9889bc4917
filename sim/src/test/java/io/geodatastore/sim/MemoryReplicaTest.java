package io.geodatastore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.cluster.NodeAddress;
import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.Epoch;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.LogEntry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The simulator's replica stamps dependencies as the RocksDB store does. */
class MemoryReplicaTest {

  static final ReplicaId A = ReplicaId.of("a");
  static final ReplicaId B = ReplicaId.of("b");
  static final ReplicaId C = ReplicaId.of("c");
  static final KeyRef X = KeyRef.of(Family.COUNTERS, "x");

  SimNet net;
  MemoryReplica replica;

  @BeforeEach
  void setUp() {
    net = new SimNet(1, new long[][] {{1}});
    replica = new MemoryReplica(A, 1_000, 1);
    replica.attach(net.attach(new NodeAddress("a", 1), 0, m -> {}));
  }

  static LogEntry entryOf(ReplicaId origin, long seq) {
    return new LogEntry(
        new Dot(origin, seq),
        KeyRef.of(Family.COUNTERS, "y"),
        CrdtType.PN_COUNTER,
        Epoch.ZERO,
        true,
        CrdtType.PN_COUNTER.empty(),
        null,
        new HlcTimestamp(1, 0));
  }

  private List<VersionVector> depsOfLog() {
    return replica.readLog(1, 100, Long.MAX_VALUE).stream().map(LogEntry::deps).toList();
  }

  @Test
  void writesDependOnMergedEntriesAndMergedRecordsAndCarryOnlyWhatIsNew() {
    replica.merge(List.of(entryOf(B, 1), entryOf(B, 2)), ok -> {});
    replica.write(X, new Operation.Increment(1)); // before the merge is applied: depends on it
    replica.write(X, new Operation.Increment(1));
    replica.mergeRecords(List.of(), VersionVector.of(Map.of(C, 4L, A, 9L)), n -> {});
    replica.write(X, new Operation.Increment(1));
    net.runFor(10);
    assertThat(depsOfLog())
        .containsExactly(VersionVector.of(B, 2), VersionVector.EMPTY, VersionVector.of(C, 4));
    assertThat(replica.coverage()).isEqualTo(VersionVector.of(Map.of(A, 3L, B, 2L, C, 4L)));
  }

  @Test
  void theFirstWriteAfterARestartCarriesEverythingVisible() {
    replica.merge(List.of(entryOf(B, 1)), ok -> {});
    replica.write(X, new Operation.Increment(1));
    replica.attach(net.attach(new NodeAddress("a", 1), 0, m -> {})); // a restart
    replica.write(X, new Operation.Increment(1));
    assertThat(depsOfLog()).containsExactly(VersionVector.of(B, 1), VersionVector.of(B, 1));
  }
}
