package io.geodatastore.storage.rocksdb;

import static io.geodatastore.storage.rocksdb.Stores.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.crdt.PnCounter;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.Epoch;
import io.geodatastore.storage.GcResult;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.ReadResult;
import io.geodatastore.storage.StorageStats;
import io.geodatastore.storage.WriteResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Garbage collection of stable tombstones and epochs under a horizon. */
class GcTest {

  @TempDir Path dir;

  @Test
  void gcDropsOnlyTombstonesAndEpochsWhoseDeleteTheHorizonCoversAndCountsThem() throws Exception {
    try (RocksStore store = RocksStore.open(Stores.fast(dir, "node-a"))) {
      List<KeyRef> deleted = new ArrayList<>();
      long firstDelete = Long.MAX_VALUE;
      for (int i = 0; i < 5; i++) {
        KeyRef k = KeyRef.of(Family.SETS, "gone-" + i);
        await(store.write(k, new Operation.Add(List.of("\"x" + i + "\""))));
        WriteResult.Written d = (WriteResult.Written) await(store.delete(k));
        firstDelete = Math.min(firstDelete, d.logId().counter());
        deleted.add(k);
      }
      KeyRef revived = KeyRef.of(Family.COUNTERS, "revived");
      await(store.write(revived, new Operation.Increment(5)));
      await(store.delete(revived));
      await(store.write(revived, new Operation.Increment(2)));
      KeyRef plain = KeyRef.of(Family.COUNTERS, "plain");
      await(store.write(plain, new Operation.Increment(1)));
      assertThat(store.stats().types().get(CrdtType.OR_SET).tombstones()).isEqualTo(5);

      // A horizon short of every delete: nothing is stable yet.
      GcResult none = store.gc(VersionVector.of(store.replicaId(), firstDelete - 1));
      assertThat(none).isEqualTo(new GcResult(0, 0, 0));
      assertThat(store.gc(VersionVector.of(ReplicaId.of("someone-else"), 1_000)))
          .as("another replica's progress covers none of our deletes")
          .isEqualTo(new GcResult(0, 0, 0));
      for (KeyRef k : deleted) {
        assertThat(store.readRecord(k)).isNotNull();
      }

      GcResult all = store.gc(VersionVector.of(store.replicaId(), store.lastSequence()));
      assertThat(all.tombstonesDropped()).isEqualTo(5);
      assertThat(all.epochsForgotten()).isEqualTo(1);
      assertThat(all.bytesReclaimed()).isPositive();
      StorageStats stats = store.stats();
      assertThat(stats.tombstonesReclaimed()).isEqualTo(5);
      assertThat(stats.bytesReclaimed()).isEqualTo(all.bytesReclaimed());
      assertThat(stats.types().get(CrdtType.OR_SET).tombstones()).isZero();
      for (KeyRef k : deleted) {
        assertThat(store.readRecord(k)).isNull();
      }
      KeyRecord r = store.readRecord(revived);
      assertThat(r.epoch()).isEqualTo(Epoch.ZERO);
      assertThat(r.epochDot()).isNull();
      assertThat(((PnCounter) r.state()).value()).isEqualTo(2);
      assertThat(store.readRecord(plain).epoch()).isEqualTo(Epoch.ZERO);

      // Nothing left to reclaim under the same horizon.
      assertThat(store.gc(VersionVector.of(store.replicaId(), store.lastSequence())))
          .isEqualTo(new GcResult(0, 0, 0));

      // A write to a dropped key creates it afresh.
      WriteResult.Written w =
          (WriteResult.Written)
              await(store.write(deleted.get(0), new Operation.Add(List.of("\"new\""))));
      assertThat(w.created()).isTrue();
      ReadResult.Found f = (ReadResult.Found) store.read(deleted.get(0));
      assertThat(f.epoch()).isEqualTo(Epoch.ZERO);
      assertThat(f.state().toString()).contains("new").doesNotContain("x0");
    }
  }

  @Test
  void theHorizonIsPersistedNeverShrinksAndMakesMergesTreatAStableEpochAsZero() throws Exception {
    KeyRef k = KeyRef.of(Family.COUNTERS, "k");
    ReplicaId other = ReplicaId.of("node-b.00000001");
    VersionVector h;
    try (RocksStore store = RocksStore.open(Stores.fast(dir, "node-a"))) {
      assertThat(store.horizon()).isEqualTo(VersionVector.EMPTY);
      await(store.write(k, new Operation.Increment(5)));
      WriteResult.Written d = (WriteResult.Written) await(store.delete(k));
      await(store.write(k, new Operation.Increment(2)));
      h = VersionVector.of(store.replicaId(), d.logId().counter()).with(other, 7);
      store.raiseHorizon(h);
      store.raiseHorizon(VersionVector.of(other, 3));
      assertThat(store.horizon()).as("never shrinks").isEqualTo(h);
      // GC forgets the epoch: the record is in the zero epoch now.
      assertThat(store.gc(VersionVector.EMPTY).epochsForgotten()).isEqualTo(1);
      assertThat(store.readRecord(k).epoch()).isEqualTo(Epoch.ZERO);
      store.recordClusterState(new byte[] {1, 2, 3});
    }
    try (RocksStore store = RocksStore.open(Stores.fast(dir, "node-a"))) {
      assertThat(store.horizon()).as("after a restart").isEqualTo(h);
      assertThat(store.clusterState()).containsExactly(1, 2, 3);
      KeyRecord local = store.readRecord(k);
      // A peer that has not collected yet still writes in the deleted epoch: under the horizon
      // its delta joins the zero-epoch record instead of replacing it.
      KeyRecord inEpoch =
          new KeyRecord(
              CrdtType.PN_COUNTER,
              new Epoch(new io.geodatastore.core.causal.HlcTimestamp(1, 0), store.replicaId()),
              true,
              PnCounter.EMPTY.increment(other, 4).state(),
              new io.geodatastore.core.causal.Dot(store.replicaId(), 2));
      assertThat(local.epoch()).isEqualTo(Epoch.ZERO);
      await(store.mergeRecord(k, inEpoch));
      assertThat(((PnCounter) store.readRecord(k).state()).value()).isEqualTo(6);
      assertThat(store.readRecord(k).epoch()).isEqualTo(Epoch.ZERO);
      assertThat(store.stats().gcRuns()).isZero();
    }
  }

  @Test
  void aReplicaRestoredFromACheckpointStartsWithoutTheClusterStateAndAppliedMarks()
      throws Exception {
    ReplicaId origin = ReplicaId.of("node-b.00000001");
    Path cp = dir.resolve("cp");
    try (RocksStore store = RocksStore.open(Stores.fast(dir.resolve("a"), "node-a"))) {
      store.recordApplied(origin, 42);
      store.recordClusterState(new byte[] {9});
      store.raiseHorizon(VersionVector.of(origin, 5));
      store.checkpoint(cp);
    }
    try (RocksStore restored =
        RocksStore.openFromCheckpoint(cp, Stores.fast(dir.resolve("r"), "node-a"))) {
      assertThat(restored.applied(origin)).isZero();
      assertThat(restored.clusterState()).isNull();
      assertThat(restored.horizon())
          .as("stability is a cluster-wide fact")
          .isEqualTo(VersionVector.of(origin, 5));
    }
  }
}
