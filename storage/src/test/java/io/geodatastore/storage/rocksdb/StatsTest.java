package io.geodatastore.storage.rocksdb;

import static io.geodatastore.storage.rocksdb.Stores.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.LogEntry;
import io.geodatastore.storage.LogEntryCodec;
import io.geodatastore.storage.StorageStats;
import io.geodatastore.storage.StorageStats.TypeStats;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Payload and metadata bytes per type, tombstones, and the replication log's size. */
class StatsTest {

  private static final int ELEMENTS = 1_000;

  @TempDir Path dir;

  @Test
  void payloadAndMetadataBytesPerTypeAndLogFiguresMatchWhatIsStored() {
    Path db = dir.resolve("db");
    StorageStats before;
    try (RocksStore store = RocksStore.open(Stores.fast(db, "node-a"))) {
      KeyRef set = KeyRef.of(Family.SETS, "big");
      long elementBytes = 0;
      for (int batch = 0; batch < 10; batch++) {
        List<String> add = new ArrayList<>();
        for (int i = 0; i < ELEMENTS / 10; i++) {
          String e = String.format("\"element-%010d\"", batch * 100 + i); // 20 bytes
          add.add(e);
          elementBytes += e.length();
        }
        await(store.write(set, new Operation.Add(add)));
      }
      TypeStats or = store.stats().types().get(CrdtType.OR_SET);
      assertThat(or.liveKeys()).isEqualTo(1);
      assertThat(or.payloadBytes()).isEqualTo("big".length() + elementBytes);
      assertThat(or.metadataBytes()).isPositive();
      System.out.printf(
          "StatsTest: OR-Set of %d elements of 20 bytes: payload %d B, metadata %d B,"
              + " overhead %.3f%n",
          ELEMENTS, or.payloadBytes(), or.metadataBytes(), or.metadataOverhead());

      KeyRef c = KeyRef.of(Family.COUNTERS, "n");
      await(store.write(c, new Operation.Increment(3)));
      TypeStats pn = store.stats().types().get(CrdtType.PN_COUNTER);
      assertThat(pn.payloadBytes()).isEqualTo(1 + Long.BYTES);
      assertThat(pn.metadataBytes()).isPositive();

      // Removing half the elements lowers the payload; deleting the counter leaves a tombstone.
      List<String> remove = new ArrayList<>();
      for (int i = 0; i < ELEMENTS / 2; i++) {
        remove.add(String.format("\"element-%010d\"", i));
      }
      await(store.write(set, new Operation.Remove(remove)));
      assertThat(store.stats().types().get(CrdtType.OR_SET).payloadBytes())
          .isEqualTo("big".length() + elementBytes / 2);
      await(store.delete(c));
      pn = store.stats().types().get(CrdtType.PN_COUNTER);
      assertThat(pn.liveKeys()).isZero();
      assertThat(pn.tombstones()).isEqualTo(1);
      assertThat(pn.payloadBytes()).isEqualTo(1);

      logFiguresMatchTheLog(store);
      store.trimLog(store.replicaId(), 5);
      logFiguresMatchTheLog(store);
      before = store.stats();
    }
    // The figures kept up incrementally equal a recount from disk.
    try (RocksStore store = RocksStore.open(Stores.fast(db, "node-a"))) {
      StorageStats after = store.stats();
      assertThat(after.types()).isEqualTo(before.types());
      assertThat(after.logEntries()).isEqualTo(before.logEntries());
      assertThat(after.logBytes()).isEqualTo(before.logBytes());
      assertThat(after.lastSequence()).isEqualTo(before.lastSequence());
    }
  }

  private static void logFiguresMatchTheLog(RocksStore store) {
    List<LogEntry> log = store.readLog(store.replicaId(), 1, 100_000, Long.MAX_VALUE);
    long bytes = 0;
    for (LogEntry e : log) {
      bytes += LogEntryCodec.encode(e).length;
    }
    StorageStats s = store.stats();
    assertThat(s.logEntries()).isEqualTo(log.size());
    assertThat(s.logBytes()).isEqualTo(bytes);
    assertThat(s.lastSequence()).isEqualTo(store.lastSequence());
  }
}
