package io.geodatastore.storage.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.WriteResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
