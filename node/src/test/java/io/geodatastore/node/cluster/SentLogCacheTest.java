package io.geodatastore.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.Durability;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.LogEntry;
import io.geodatastore.storage.LogEntryCodec;
import io.geodatastore.storage.StoreConfig;
import io.geodatastore.storage.StoredLogEntry;
import io.geodatastore.storage.rocksdb.RocksStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SentLogCacheTest {

  @TempDir Path dir;

  private RocksStore store;
  private final List<long[]> reads = new ArrayList<>();
  private final SentLogCache cache = new SentLogCache();

  @BeforeEach
  void open() {
    store =
        RocksStore.open(
            StoreConfig.defaults(dir, "us-east-1").withDurability(Durability.OS).withShards(1));
  }

  @AfterEach
  void close() {
    store.close();
  }

  private void write(int n) {
    for (int i = 0; i < n; i++) {
      store.write(KeyRef.of(Family.COUNTERS, "c" + i), new Operation.Increment(1)).join();
    }
  }

  private List<StoredLogEntry> source(long from, int max, long bytes) {
    reads.add(new long[] {from, max});
    return store.readLogStored(store.replicaId(), from, max, bytes);
  }

  private List<LogEntry> read(long from, int max) {
    return cache.read(from, max, Long.MAX_VALUE, store.lastSequence(), this::source);
  }

  @Test
  void aSecondPeerReadsTheSameEntriesWithoutTheStoreAndTheirStoredBytes() {
    write(10);
    List<LogEntry> first = read(1, 4);
    List<LogEntry> second = read(1, 4);
    assertThat(second).hasSize(4);
    for (int i = 0; i < 4; i++) {
      assertThat(second.get(i)).isSameAs(first.get(i));
      assertThat(cache.bytes(second.get(i)).toByteArray())
          .isEqualTo(LogEntryCodec.encode(second.get(i)));
    }
    assertThat(reads).hasSize(1);
    assertThat(read(1, 100))
        .extracting(e -> e.id().counter())
        .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    assertThat(reads).hasSize(2);
    assertThat(reads.get(1)).containsExactly(5, 96); // only what it did not hold
    assertThat(read(3, 100)).hasSize(8);
    assertThat(reads).as("nothing past the last durable sequence is looked for").hasSize(2);
  }

  @Test
  void entriesItDoesNotHoldAreEncoded() {
    write(SentLogCache.SLOTS + 2);
    List<LogEntry> early = store.readLog(store.replicaId(), 1, 2, Long.MAX_VALUE);
    assertThat(cache.bytes(early.get(0)).toByteArray())
        .isEqualTo(LogEntryCodec.encode(early.get(0)));
    read(1, 2);
    read(SentLogCache.SLOTS + 1, 2); // takes the slots of 1 and 2
    List<LogEntry> again = read(1, 2);
    assertThat(reads).hasSize(3);
    assertThat(cache.bytes(early.get(1)).toByteArray())
        .isEqualTo(LogEntryCodec.encode(again.get(1)));
  }

  @Test
  void theByteBoundStopsAtTheEntryThatReachesIt() {
    write(5);
    read(1, 5);
    int one = cache.bytes(read(1, 1).getFirst()).size();
    assertThat(cache.read(1, 5, 2L * one, store.lastSequence(), this::source)).hasSize(2);
  }
}
