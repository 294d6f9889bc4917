package io.geodatastore.storage.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.crdt.OrSet;
import io.geodatastore.core.crdt.PnCounter;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.LogEntry;
import io.geodatastore.storage.ReadResult;
import io.geodatastore.storage.WriteResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A thousand writers on one counter and one OR-Set, in fsync mode: nothing is lost. */
class ConcurrentWritersTest {

  private static final int WRITERS = 1_000;
  private static final int INCREMENTS_EACH = 3;

  @TempDir Path dir;

  @Test
  void aThousandConcurrentWritersOnOneKeyLoseNothingAndLogOneEntryPerWrite() throws Exception {
    KeyRef counter = KeyRef.of(Family.COUNTERS, "hot");
    KeyRef set = KeyRef.of(Family.SETS, "hot");
    AtomicLong expected = new AtomicLong();
    try (RocksStore store = RocksStore.open(Stores.config(dir, "node-a"));
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int id = w;
        writers.add(
            pool.submit(
                () -> {
                  start.await(30, TimeUnit.SECONDS);
                  for (int i = 0; i < INCREMENTS_EACH; i++) {
                    long amount = 1 + (id + i) % 7;
                    WriteResult r =
                        Stores.await(store.write(counter, new Operation.Increment(amount)));
                    assertThat(r).isInstanceOf(WriteResult.Written.class);
                    expected.addAndGet(amount);
                  }
                  WriteResult r =
                      Stores.await(
                          store.write(set, new Operation.Add(List.of("\"element-" + id + "\""))));
                  assertThat(r).isInstanceOf(WriteResult.Written.class);
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : writers) {
        f.get(120, TimeUnit.SECONDS);
      }

      ReadResult.Found c = (ReadResult.Found) store.read(counter);
      assertThat(((PnCounter) c.state()).value()).isEqualTo(expected.get());
      ReadResult.Found s = (ReadResult.Found) store.read(set);
      assertThat(((OrSet) s.state()).size()).isEqualTo(WRITERS);

      int writes = WRITERS * (INCREMENTS_EACH + 1);
      List<LogEntry> log = store.readLog(store.replicaId(), 1, writes + 10, Long.MAX_VALUE);
      assertThat(log).hasSize(writes);
      Map<KeyRef, Integer> perKey = new HashMap<>();
      for (int i = 0; i < log.size(); i++) {
        assertThat(log.get(i).id().counter()).isEqualTo(i + 1);
        perKey.merge(log.get(i).key(), 1, Integer::sum);
      }
      assertThat(perKey).containsEntry(counter, WRITERS * INCREMENTS_EACH);
      assertThat(perKey).containsEntry(set, WRITERS);
      assertThat(store.lastSequence()).isEqualTo(writes);
      assertThat(store.stats().logEntries()).isEqualTo(writes);
    }
  }
}
