package io.geodatastore.storage.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.crdt.PnCounter;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.ReadResult;
import io.geodatastore.storage.StoreConfig;
import io.geodatastore.storage.WriteResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.TickerType;

/**
 * What a group-commit batch tells when it is durable: replication once per batch ({@code
 * onLogDurable}), and the writers' executors once per batch each ({@code write(key, op,
 * executor)}).
 */
class BatchCompletionTest {

  private static final int WRITES = 500;

  @TempDir Path dir;

  @Test
  void writesCompleteOnTheirExecutorWithABatchsCompletionsInOneTask() {
    KeyRef hot = KeyRef.of(Family.COUNTERS, "hot");
    AtomicInteger tasks = new AtomicInteger();
    ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "loop"));
    Executor counting =
        command -> {
          tasks.incrementAndGet();
          loop.execute(command);
        };
    try (RocksStore store = RocksStore.open(Stores.config(dir, "node-a"))) {
      List<CompletableFuture<String>> threads = new ArrayList<>();
      for (int i = 0; i < WRITES; i++) {
        threads.add(
            store
                .write(hot, new Operation.Increment(1), counting)
                .thenApply(
                    r -> {
                      assertThat(r).isInstanceOf(WriteResult.Written.class);
                      return Thread.currentThread().getName();
                    }));
      }
      for (CompletableFuture<String> f : threads) {
        assertThat(Stores.await(f)).isEqualTo("loop");
      }
      // Writes queued while a batch was written share the next one, and its completions one task.
      assertThat(tasks.get()).isBetween(1, WRITES - 1);
    } finally {
      loop.shutdown();
    }
  }

  /**
   * A group commit puts each changed key's newest record once: a batch of 500 increments of one key
   * writes 500 log entries and one record, not 500 records. A key created, changed, deleted and
   * re-created with another type in the same batch ends as its last change left it, in memory and
   * on disk.
   */
  @Test
  void aBatchPutsEachChangedKeysNewestRecordOnce() throws Exception {
    KeyRef hot = KeyRef.of(Family.COUNTERS, "hot");
    KeyRef turned = KeyRef.of(Family.COUNTERS, "turned");
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch gate = new CountDownLatch(1);
    // Runs on the shard's thread (its batch's completions are handed over there): while it waits,
    // every write below queues, and the next batch takes them all.
    Executor holding =
        command -> {
          entered.countDown();
          try {
            gate.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          command.run();
        };
    try (RocksStore store = RocksStore.open(StoreConfig.defaults(dir, "node-a").withShards(1))) {
      CompletableFuture<WriteResult> first =
          store.write(KeyRef.of(Family.COUNTERS, "first"), new Operation.Increment(1), holding);
      assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
      long keysBefore = store.rocksStatistics().getTickerCount(TickerType.NUMBER_KEYS_WRITTEN);
      List<CompletableFuture<WriteResult>> writes = new ArrayList<>();
      for (int i = 0; i < WRITES; i++) {
        writes.add(store.write(hot, new Operation.Increment(1)));
      }
      writes.add(
          store.write(
              turned, new Operation.Create(CrdtType.G_COUNTER, new Operation.Increment(5))));
      writes.add(store.write(turned, new Operation.Increment(2)));
      writes.add(store.delete(turned));
      writes.add(
          store.write(
              turned, new Operation.Create(CrdtType.PN_COUNTER, new Operation.Decrement(3))));
      gate.countDown();
      assertThat(Stores.await(first)).isInstanceOf(WriteResult.Written.class);
      for (CompletableFuture<WriteResult> w : writes) {
        assertThat(Stores.await(w)).isInstanceOf(WriteResult.Written.class);
      }
      long keys =
          store.rocksStatistics().getTickerCount(TickerType.NUMBER_KEYS_WRITTEN) - keysBefore;
      // One log entry per write (504), two records and one delete, and a few per batch (tree,
      // sequence, clock): a record per write would make it more than 1,000.
      assertThat(keys).isBetween(WRITES + 6L, WRITES + 20L);
      assertThat(counter(store, hot)).isEqualTo(WRITES);
      assertThat(counter(store, turned)).isEqualTo(-3);
      assertThat(store.verifyMerkle()).isZero();
    }
    try (RocksStore store = RocksStore.open(StoreConfig.defaults(dir, "node-a").withShards(1))) {
      assertThat(counter(store, hot)).isEqualTo(WRITES);
      assertThat(((ReadResult.Found) store.read(turned)).state()).isInstanceOf(PnCounter.class);
      assertThat(counter(store, turned)).isEqualTo(-3);
      assertThat(store.verifyMerkle()).isZero();
    }
  }

  /** The value of PN-Counter {@code key}. */
  private static long counter(RocksStore store, KeyRef key) {
    return ((PnCounter) ((ReadResult.Found) store.read(key)).state()).value();
  }

  @Test
  void anExecutorThatRefusesLeavesNoFutureIncomplete() {
    KeyRef key = KeyRef.of(Family.COUNTERS, "refused");
    Executor refusing =
        command -> {
          throw new RejectedExecutionException("shutting down");
        };
    try (RocksStore store = RocksStore.open(Stores.config(dir, "node-a"))) {
      WriteResult r = Stores.await(store.write(key, new Operation.Increment(2), refusing));
      assertThat(r).isInstanceOf(WriteResult.Written.class);
      assertThat(Stores.await(store.delete(key, refusing))).isInstanceOf(WriteResult.Written.class);
    }
  }

  @Test
  void replicationIsToldOncePerBatchAfterItsEntriesAreDurable() {
    KeyRef hot = KeyRef.of(Family.COUNTERS, "hot");
    try (RocksStore store = RocksStore.open(Stores.config(dir, "node-a"))) {
      ConcurrentLinkedQueue<Long> toldAt = new ConcurrentLinkedQueue<>();
      store.onLogDurable(() -> toldAt.add(store.lastSequence()));
      List<CompletableFuture<WriteResult>> writes = new ArrayList<>();
      for (int i = 0; i < WRITES; i++) {
        writes.add(store.write(hot, new Operation.Increment(1)));
      }
      writes.forEach(Stores::await);
      List<Long> told = List.copyOf(toldAt);
      assertThat(told).hasSizeBetween(1, WRITES - 1).isSorted();
      assertThat(told.getLast()).isEqualTo(WRITES);
    }
  }

  @Test
  void aFailingListenerStopsNoWrite() {
    KeyRef key = KeyRef.of(Family.COUNTERS, "k");
    try (RocksStore store = RocksStore.open(Stores.config(dir, "node-a"))) {
      AtomicInteger told = new AtomicInteger();
      store.onLogDurable(
          () -> {
            told.incrementAndGet();
            throw new IllegalStateException("a listener bug");
          });
      for (int i = 0; i < 3; i++) {
        assertThat(Stores.await(store.write(key, new Operation.Increment(1))))
            .isInstanceOf(WriteResult.Written.class);
      }
      assertThat(told.get()).isEqualTo(3);
    }
  }
}
