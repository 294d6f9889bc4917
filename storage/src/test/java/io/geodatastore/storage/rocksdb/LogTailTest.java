package io.geodatastore.storage.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.LogEntry;
import io.geodatastore.storage.LogEntryCodec;
import io.geodatastore.storage.StoredLogEntry;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log read through the tail of entries just written reads as the log on disk. */
class LogTailTest {

  @TempDir Path dir;

  private static void write(RocksStore s, int n) {
    for (int i = 0; i < n; i++) {
      s.write(KeyRef.of(Family.COUNTERS, "c" + (i % 7)), new Operation.Increment(i + 1)).join();
    }
  }

  private static List<Long> ids(List<StoredLogEntry> es) {
    return es.stream().map(e -> e.entry().id().counter()).toList();
  }

  @Test
  void readsThroughTheTailMatchTheLogOnDiskAcrossTrimsAndEviction() {
    int n = LogTail.SLOTS + 100;
    List<StoredLogEntry> fresh;
    try (RocksStore s = RocksStore.open(Stores.fast(dir.resolve("db"), "node-a"))) {
      write(s, n);
      // Seqs 1..100 were evicted by 2049..2148: read from disk, then from the tail.
      fresh = s.readLogStored(s.replicaId(), 1, n + 10, Long.MAX_VALUE);
      assertThat(ids(fresh)).hasSize(n).startsWith(1L, 2L).endsWith((long) n);
      for (StoredLogEntry e : fresh) {
        assertThat(e.bytes()).isEqualTo(LogEntryCodec.encode(e.entry()));
      }
      StoredLogEntry kept = s.readLogStored(s.replicaId(), n - 1, 10, Long.MAX_VALUE).getFirst();
      assertThat(s.readLogStored(s.replicaId(), n - 1, 10, Long.MAX_VALUE).getFirst())
          .as("the entry as written, from the tail")
          .isSameAs(kept);
      assertThat(kept.bytes()).isEqualTo(fresh.get(n - 2).bytes());
      assertThat(ids(s.readLogStored(s.replicaId(), n - 5, 2, Long.MAX_VALUE)))
          .containsExactly((long) n - 5, (long) n - 4);
      assertThat(s.readLogStored(s.replicaId(), n + 1, 10, Long.MAX_VALUE)).isEmpty();

      s.trimLog(s.replicaId(), n - 3);
      assertThat(ids(s.readLogStored(s.replicaId(), 1, 100, Long.MAX_VALUE)))
          .as("trimmed entries are gone though the tail still holds them")
          .containsExactly((long) n - 2, (long) n - 1, (long) n);
    }
    try (RocksStore s = RocksStore.open(Stores.fast(dir.resolve("db"), "node-a"))) {
      List<StoredLogEntry> disk = s.readLogStored(s.replicaId(), 1, 100, Long.MAX_VALUE);
      assertThat(ids(disk)).containsExactly((long) n - 2, (long) n - 1, (long) n);
      for (int i = 0; i < 3; i++) {
        LogEntry written = fresh.get(n - 3 + i).entry();
        assertThat(disk.get(i).bytes()).isEqualTo(fresh.get(n - 3 + i).bytes());
        assertThat(disk.get(i).entry().toRecord()).isEqualTo(written.toRecord());
        assertThat(disk.get(i).entry().deps()).isEqualTo(written.deps());
      }
    }
  }
}
