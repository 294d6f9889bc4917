package io.geodatastore.storage.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.crdt.PnCounter;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.ReadResult;
import io.geodatastore.storage.WriteResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint of a store under concurrent writes, and a store started from it. */
class CheckpointTest {

  private static final int KEYS = 4;
  private static final int WRITERS = 4;
  private static final int WRITES_MAX = 2_000;

  @TempDir Path dir;

  @Test
  void aRestoredReplicaHasTheCheckpointsDataButAFreshReplicaIdSoItNeverReissuesTheSourcesDots()
      throws Exception {
    AtomicLongArray acked = new AtomicLongArray(KEYS);
    AtomicLongArray begun = new AtomicLongArray(KEYS);
    AtomicBoolean stop = new AtomicBoolean();
    long[] ackedBefore = new long[KEYS];
    long[] begunAfter = new long[KEYS];
    RocksStore source = RocksStore.open(Stores.fast(dir.resolve("source"), "node-a"));
    try (ExecutorService pool = Executors.newFixedThreadPool(WRITERS)) {
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int id = w;
        writers.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < WRITES_MAX && !stop.get(); i++) {
                    int k = (id + i) % KEYS;
                    begun.addAndGet(k, 1);
                    WriteResult r =
                        Stores.await(
                            source.write(
                                KeyRef.of(Family.COUNTERS, "k" + k), new Operation.Increment(1)));
                    assertThat(r).isInstanceOf(WriteResult.Written.class);
                    acked.addAndGet(k, 1);
                  }
                }));
      }
      // Checkpoint once the writers are well under way.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (sum(acked) < 200 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      for (int k = 0; k < KEYS; k++) {
        ackedBefore[k] = acked.get(k);
      }
      source.checkpoint(dir.resolve("cp"));
      for (int k = 0; k < KEYS; k++) {
        begunAfter[k] = begun.get(k);
      }
      stop.set(true);
      for (Future<?> f : writers) {
        f.get(60, TimeUnit.SECONDS);
      }
    }

    io.geodatastore.core.causal.ReplicaId restoredId;
    try (RocksStore restored =
        RocksStore.openFromCheckpoint(
            dir.resolve("cp"), Stores.fast(dir.resolve("restored"), "node-a"))) {
      restoredId = restored.replicaId();
      assertThat(restored.replicaId()).isNotEqualTo(source.replicaId());
      assertThat(restored.replicaId().value()).startsWith("node-a.");
      assertThat(restored.nodeId()).isEqualTo(source.nodeId());
      for (int k = 0; k < KEYS; k++) {
        ReadResult r = restored.read(KeyRef.of(Family.COUNTERS, "k" + k));
        long v = r instanceof ReadResult.Found f ? ((PnCounter) f.state()).value() : 0;
        assertThat(v)
            .as("k%d: acknowledged before the checkpoint began", k)
            .isGreaterThanOrEqualTo(ackedBefore[k]);
        assertThat(v)
            .as("k%d: begun before the checkpoint returned", k)
            .isLessThanOrEqualTo(begunAfter[k]);
      }
      // The source's log belongs to the source's id; the restored replica numbers from 1 anew.
      assertThat(restored.readLog(source.replicaId(), 1, 10, Long.MAX_VALUE)).isEmpty();
      assertThat(restored.lastSequence()).isZero();
      WriteResult.Written w =
          (WriteResult.Written)
              Stores.await(
                  restored.write(KeyRef.of(Family.COUNTERS, "k0"), new Operation.Increment(1)));
      assertThat(w.logId().replica()).isEqualTo(restored.replicaId());
      assertThat(w.logId().counter()).isEqualTo(1);
    } finally {
      source.close();
    }
    // Reopening the restored directory keeps its new id.
    try (RocksStore again = RocksStore.open(Stores.fast(dir.resolve("restored"), "node-a"))) {
      assertThat(again.replicaId()).isEqualTo(restoredId);
      assertThat(again.lastSequence()).isEqualTo(1);
    }
    assertThatThrownBy(
            () ->
                RocksStore.openFromCheckpoint(
                    dir.resolve("source"), Stores.fast(dir.resolve("x"), "node-a")))
        .isInstanceOf(StorageException.class);
  }

  private static long sum(AtomicLongArray a) {
    long s = 0;
    for (int i = 0; i < a.length(); i++) {
      s += a.get(i);
    }
    return s;
  }
}
