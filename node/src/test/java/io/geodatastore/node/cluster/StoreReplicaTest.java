package io.geodatastore.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.cluster.replication.LocalReplica;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.Durability;
import io.geodatastore.storage.KeyHash;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.Merkle;
import io.geodatastore.storage.StoreConfig;
import io.geodatastore.storage.rocksdb.RocksStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store as replication and anti-entropy see it. */
class StoreReplicaTest {

  @TempDir Path dir;

  @Test
  void aFullyTrimmedLogRetainsNothingUpToTheLastSequence() {
    try (RocksStore store =
            RocksStore.open(
                StoreConfig.defaults(dir, "n1").withDurability(Durability.OS).withShards(1));
        NodeEnv env = new NodeEnv("n1", System::currentTimeMillis)) {
      StoreReplica replica = new StoreReplica(store, env, (k, t, m) -> {});
      assertThat(replica.firstRetainedSequence()).isEqualTo(1);
      for (int i = 0; i < 3; i++) {
        store.write(KeyRef.of(Family.COUNTERS, "c" + i), new Operation.Increment(1)).join();
      }
      assertThat(replica.firstRetainedSequence()).isEqualTo(1);
      replica.trimLog(3);
      assertThat(replica.firstRetainedSequence()).isEqualTo(4);
      replica.close();
    }
  }

  @Test
  void theFirstRetainedSequenceHoldsAcrossAppendsAndFollowsEveryTrim() {
    try (RocksStore store =
            RocksStore.open(
                StoreConfig.defaults(dir, "n1").withDurability(Durability.OS).withShards(1));
        NodeEnv env = new NodeEnv("n1", System::currentTimeMillis)) {
      StoreReplica replica = new StoreReplica(store, env, (k, t, m) -> {});
      KeyRef c = KeyRef.of(Family.COUNTERS, "c");
      for (int round = 0; round < 3; round++) {
        long first = replica.firstRetainedSequence();
        for (int i = 0; i < 5; i++) {
          store.write(c, new Operation.Increment(1)).join();
        }
        assertThat(replica.firstRetainedSequence()).as("appends keep it").isEqualTo(first);
        assertThat(replica.readLog(first, 100, Long.MAX_VALUE)).hasSize(5);
        replica.trimLog(first + 2);
        assertThat(replica.firstRetainedSequence()).isEqualTo(first + 3);
        assertThat(replica.readLog(1, 100, Long.MAX_VALUE))
            .extracting(e -> e.id().counter())
            .containsExactly(first + 3, first + 4);
        replica.trimLog(store.lastSequence());
        assertThat(replica.firstRetainedSequence()).isEqualTo(store.lastSequence() + 1);
      }
      replica.close(); // writes the trims still queued
      assertThat(store.stats().logEntries()).isZero();
    }
  }

  @Test
  void theAppliedVectorNamesAnOriginWhoseStreamOnlySkipped() {
    try (RocksStore store =
            RocksStore.open(
                StoreConfig.defaults(dir, "n1").withDurability(Durability.OS).withShards(1));
        NodeEnv env = new NodeEnv("n1", System::currentTimeMillis)) {
      StoreReplica replica = new StoreReplica(store, env, (k, t, m) -> {});
      ReplicaId other = new ReplicaId("n2.0a0b0c0d");
      replica.recordApplied(other, 500); // a skipTo over a trimmed range: nothing merged
      assertThat(replica.appliedVector().get(other)).isEqualTo(500);
      replica.close();
    }
  }

  @Test
  void keyPagesOfScatteredLeavesComeFromTheStoresTreeOnTheLogicalThread() throws Exception {
    try (RocksStore store =
            RocksStore.open(
                StoreConfig.defaults(dir, "n1").withDurability(Durability.OS).withShards(1));
        NodeEnv env = new NodeEnv("n1", System::currentTimeMillis)) {
      StoreReplica replica = new StoreReplica(store, env, (k, t, m) -> {});
      List<KeyRef> keys = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        KeyRef k = KeyRef.of(Family.COUNTERS, "c" + i);
        keys.add(k);
        store.write(k, new Operation.Increment(i + 1)).join();
      }
      List<Integer> leaves = keys.stream().map(Merkle::leaf).distinct().sorted().limit(50).toList();
      CompletableFuture<LocalReplica.LeafKeys> got = new CompletableFuture<>();
      env.post(() -> replica.merkleKeys(leaves, 10_000, got::complete));
      LocalReplica.LeafKeys page = got.get(10, TimeUnit.SECONDS);
      assertThat(page.leavesRead()).isEqualTo(50);
      for (KeyHash kh : page.keys()) {
        KeyRecord r = store.readRecord(kh.key());
        assertThat(kh.hash()).isEqualTo(Merkle.keyHash(kh.key(), r));
        assertThat(leaves).contains(kh.leaf());
      }
      assertThat(page.keys())
          .hasSize((int) keys.stream().filter(k -> leaves.contains(Merkle.leaf(k))).count());
      long[] branches = replica.merkleBranches();
      assertThat(Merkle.root(branches)).isNotZero();
      int b = Merkle.branchOf(leaves.getFirst());
      assertThat(Merkle.root(replica.merkleLeaves(b))).isEqualTo(branches[b]);
      replica.close();
    }
  }
}
