package io.geodatastore.storage.rocksdb;

import static io.geodatastore.storage.rocksdb.Stores.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.crdt.PnCounter;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.CorruptRecordException;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.LogEntry;
import io.geodatastore.storage.MergeResult;
import io.geodatastore.storage.QuarantinedKey;
import io.geodatastore.storage.ReadResult;
import io.geodatastore.storage.WriteResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A corrupt stored value quarantines its key only; a full-state merge repairs it. */
class QuarantineTest {

  @TempDir Path dir;

  private static KeyRef key(int i) {
    return KeyRef.of(Family.COUNTERS, "c" + i);
  }

  @Test
  void aCorruptValueIsQuarantinedOnceWhileOtherKeysAreServedAndAFullStateMergeRepairsIt()
      throws Exception {
    Path db = dir.resolve("db");
    KeyRecord good;
    LogEntry delta;
    try (RocksStore store = RocksStore.open(Stores.fast(db, "node-a"))) {
      for (int i = 0; i < 5; i++) {
        await(store.write(key(i), new Operation.Increment(10 + i)));
      }
      good = store.readRecord(key(2));
      delta = store.readLog(store.replicaId(), 3, 1, Long.MAX_VALUE).get(0);
      assertThat(delta.key()).isEqualTo(key(2));
    }
    flipLastByte(db, "pn_counter", "c2");

    try (RocksStore store = RocksStore.open(Stores.fast(db, "node-a"))) {
      assertThat(store.read(key(2))).isInstanceOf(ReadResult.Quarantined.class);
      assertThat(store.read(key(2))).isInstanceOf(ReadResult.Quarantined.class);
      assertThatThrownBy(() -> store.readRecord(key(2))).isInstanceOf(CorruptRecordException.class);
      for (int i : new int[] {0, 1, 3, 4}) {
        ReadResult.Found f = (ReadResult.Found) store.read(key(i));
        assertThat(((PnCounter) f.state()).value()).isEqualTo(10 + i);
        assertThat(await(store.write(key(i), new Operation.Increment(1))))
            .isInstanceOf(WriteResult.Written.class);
      }
      assertThat(await(store.write(key(2), new Operation.Increment(1))))
          .isInstanceOf(WriteResult.Quarantined.class);
      assertThat(await(store.delete(key(2)))).isInstanceOf(WriteResult.Quarantined.class);
      List<QuarantinedKey> q = store.quarantined();
      assertThat(q).extracting(QuarantinedKey::key).containsExactly(key(2));
      assertThat(store.quarantinedTotal()).isEqualTo(1);
      assertThat(store.stats().quarantined()).isEqualTo(1);
      assertThat(store.list(Family.COUNTERS, "", null, 10)).hasSize(5);

      // A delta cannot rebuild the state; a full state can.
      assertThat(await(store.merge(delta))).isEqualTo(new MergeResult(false, false, List.of()));
      MergeResult m = await(store.mergeRecord(key(2), good));
      assertThat(m.repaired()).isTrue();
      assertThat(m.changed()).isTrue();
      assertThat(store.quarantined()).isEmpty();
      assertThat(((PnCounter) ((ReadResult.Found) store.read(key(2))).state()).value())
          .isEqualTo(12);
      assertThat(await(store.write(key(2), new Operation.Increment(1))))
          .isInstanceOf(WriteResult.Written.class);
    }
    try (RocksStore store = RocksStore.open(Stores.fast(db, "node-a"))) {
      assertThat(store.quarantined()).isEmpty();
      assertThat(((PnCounter) ((ReadResult.Found) store.read(key(2))).state()).value())
          .isEqualTo(13);
    }
  }

  /** Changes one stored value through the raw RocksDB API, as a disk fault would. */
  private static void flipLastByte(Path db, String cf, String key) throws Exception {
    RawDb.change(
        db,
        (raw, cfs) -> {
          byte[] k = key.getBytes(StandardCharsets.UTF_8);
          byte[] v = raw.get(cfs.get(cf), k);
          v[v.length - 1] ^= 0x5A;
          raw.put(cfs.get(cf), k, v);
        });
  }
}
