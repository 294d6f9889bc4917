package io.geodatastore.storage.rocksdb;

import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.storage.ConflictCodec;
import io.geodatastore.storage.ConflictRecord;
import io.geodatastore.storage.CorruptRecordException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persistent conflict log in the store's {@code conflicts} column family. Entries are written
 * in the same batch as the write or merge that resolved them, so a crash keeps both or neither.
 *
 * <p>Keys (big-endian):
 *
 * <pre>
 * entry   0x00 | u64 time ms | u64 id                      -> ConflictCodec value
 * by key  0x01 | u16 name length | name | u64 time ms | u64 id -> u8 type tag
 * </pre>
 *
 * The time in the key is this store's wall clock made monotonic (never below the previous entry's),
 * and the id is a counter, so key order is the order entries were logged: newest first is a reverse
 * scan, and the per-key index answers {@code ?key=} without scanning the log.
 *
 * <p>Bounded by count and age. Reads never show an entry past the age bound; the oldest entries are
 * deleted whenever the count exceeds its bound by a slack of about 1% (by the shard thread that
 * crossed it, a bounded piece of work amortised over that many appends) and by {@link #expire}.
 */
final class ConflictLog {

  private static final Logger log = LoggerFactory.getLogger(ConflictLog.class);

  private static final byte ENTRY = 0x00;
  private static final byte BY_KEY = 0x01;
  private static final int ID_BYTES = 16;

  /** The most entries one trimming pass deletes (the next pass takes the rest). */
  static final int TRIM_BATCH_MAX = 10_000;

  private final RocksDB db;
  private final ColumnFamilyHandle cf;
  private final WriteOptions writes;
  private final int countMax;
  private final long ageMaxMs;
  private final LongSupplier wallClockMs;
  private final long slack;
  private final AtomicLong count = new AtomicLong();
  private final AtomicLong trimmed = new AtomicLong();
  private final AtomicBoolean trimming = new AtomicBoolean();
  private final Object idLock = new Object();
  private long lastMs;
  private long lastId;

  ConflictLog(
      RocksDB db,
      ColumnFamilyHandle cf,
      WriteOptions writes,
      int countMax,
      long ageMaxMs,
      LongSupplier wallClockMs) {
    this.db = db;
    this.cf = cf;
    this.writes = writes;
    this.countMax = countMax;
    this.ageMaxMs = ageMaxMs;
    this.wallClockMs = wallClockMs;
    this.slack = Math.max(16, countMax / 100);
    long n = 0;
    try (RocksIterator it = db.newIterator(cf)) {
      for (it.seek(new byte[] {ENTRY}); it.isValid() && it.key()[0] == ENTRY; it.next()) {
        n++;
      }
      it.seekForPrev(entryKey(Long.MAX_VALUE, Long.MAX_VALUE));
      if (it.isValid() && it.key().length == 1 + ID_BYTES && it.key()[0] == ENTRY) {
        ByteBuffer k = ByteBuffer.wrap(it.key(), 1, ID_BYTES);
        lastMs = k.getLong();
        lastId = k.getLong();
      }
    }
    count.set(n);
    // The bounds may have been lowered, or entries aged, while the store was closed.
    expire();
  }

  /** Adds entries to {@code batch}; {@link #added} must follow once the batch is written. */
  void put(WriteBatch batch, List<ConflictRecord> records) throws RocksDBException {
    for (ConflictRecord r : records) {
      long ms;
      long id;
      synchronized (idLock) {
        lastMs = Math.max(lastMs, r.atMs());
        ms = lastMs;
        id = ++lastId;
      }
      batch.put(cf, entryKey(ms, id), ConflictCodec.encode(r));
      batch.put(cf, indexKey(r.key().nameBytes(), ms, id), new byte[] {(byte) r.type().tag()});
    }
  }

  /** Counts entries of a written batch, and trims when over the bound by the slack. */
  void added(int n) {
    if (count.addAndGet(n) > countMax + slack && trimming.compareAndSet(false, true)) {
      try {
        trim();
      } finally {
        trimming.set(false);
      }
    }
  }

  /** Deletes what is past the age bound or over the count bound; returns how many. */
  long expire() {
    if (!trimming.compareAndSet(false, true)) {
      return 0;
    }
    try {
      long total = 0;
      long n;
      do {
        n = trim();
        total += n;
      } while (n == TRIM_BATCH_MAX);
      return total;
    } finally {
      trimming.set(false);
    }
  }

  /** One pass: the oldest entries, while over the count or past the age; at most a batch. */
  private long trim() {
    long cutoffMs = wallClockMs.getAsLong() - ageMaxMs;
    long over = count.get() - countMax;
    List<byte[]> keys = new ArrayList<>();
    try (RocksIterator it = db.newIterator(cf);
        WriteBatch b = new WriteBatch()) {
      for (it.seek(new byte[] {ENTRY});
          it.isValid() && it.key()[0] == ENTRY && keys.size() < TRIM_BATCH_MAX;
          it.next()) {
        byte[] k = it.key();
        long ms = ByteBuffer.wrap(k, 1, 8).getLong();
        if (keys.size() >= over && ms >= cutoffMs) {
          break;
        }
        keys.add(k);
        b.delete(cf, k);
        try {
          ConflictRecord r = ConflictCodec.decode(it.value());
          b.delete(cf, indexKey(r.key().nameBytes(), ms, ByteBuffer.wrap(k, 9, 8).getLong()));
        } catch (CorruptRecordException e) {
          // Its index entry stays behind; lookups skip index entries whose entry is gone.
          log.warn("a corrupt conflict-log entry is dropped: {}", e.getMessage());
        }
      }
      if (!keys.isEmpty()) {
        db.write(writes, b);
        count.addAndGet(-keys.size());
        trimmed.addAndGet(keys.size());
      }
    } catch (RocksDBException e) {
      throw new StorageException("trimming the conflict log failed: " + e.getMessage(), e);
    }
    return keys.size();
  }

  /**
   * Up to {@code limit} entries, newest first, within the age bound: of keys named {@code name}
   * (any when null) in {@code family} (any when null).
   */
  List<ConflictRecord> recent(Family family, String name, int limit) {
    long cutoffMs = wallClockMs.getAsLong() - ageMaxMs;
    List<ConflictRecord> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator(cf)) {
      if (name == null) {
        for (it.seekForPrev(entryKey(Long.MAX_VALUE, Long.MAX_VALUE));
            it.isValid() && it.key()[0] == ENTRY && out.size() < limit;
            it.prev()) {
          if (ByteBuffer.wrap(it.key(), 1, 8).getLong() < cutoffMs) {
            break;
          }
          ConflictRecord r = decode(it.value());
          if (r != null && (family == null || r.key().family() == family)) {
            out.add(r);
          }
        }
        return out;
      }
      byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
      byte[] prefix = indexPrefix(nameBytes);
      for (it.seekForPrev(indexKey(nameBytes, Long.MAX_VALUE, Long.MAX_VALUE));
          it.isValid() && startsWith(it.key(), prefix) && out.size() < limit;
          it.prev()) {
        byte[] k = it.key();
        if (k.length != prefix.length + ID_BYTES) {
          continue;
        }
        long ms = ByteBuffer.wrap(k, prefix.length, 8).getLong();
        if (ms < cutoffMs) {
          break;
        }
        CrdtType type = CrdtType.fromTag(it.value().length == 1 ? it.value()[0] : -1);
        if (family != null && (type == null || type.family() != family)) {
          continue;
        }
        byte[] v = db.get(cf, entryKey(ms, ByteBuffer.wrap(k, prefix.length + 8, 8).getLong()));
        ConflictRecord r = v == null ? null : decode(v);
        if (r != null) {
          out.add(r);
        }
      }
      return out;
    } catch (RocksDBException e) {
      throw new StorageException("reading the conflict log failed: " + e.getMessage(), e);
    }
  }

  /** Entries in the log now. */
  long size() {
    return count.get();
  }

  /** Entries deleted by the bounds since open. */
  long trimmed() {
    return trimmed.get();
  }

  private static ConflictRecord decode(byte[] v) {
    try {
      return ConflictCodec.decode(v);
    } catch (CorruptRecordException e) {
      log.warn("skipping a corrupt conflict-log entry: {}", e.getMessage());
      return null;
    }
  }

  private static byte[] entryKey(long ms, long id) {
    return ByteBuffer.allocate(1 + ID_BYTES).put(ENTRY).putLong(ms).putLong(id).array();
  }

  private static byte[] indexPrefix(byte[] name) {
    return ByteBuffer.allocate(3 + name.length)
        .put(BY_KEY)
        .putShort((short) name.length)
        .put(name)
        .array();
  }

  private static byte[] indexKey(byte[] name, long ms, long id) {
    return ByteBuffer.allocate(3 + name.length + ID_BYTES)
        .put(BY_KEY)
        .putShort((short) name.length)
        .put(name)
        .putLong(ms)
        .putLong(id)
        .array();
  }

  private static boolean startsWith(byte[] a, byte[] prefix) {
    return a.length >= prefix.length
        && Arrays.equals(a, 0, prefix.length, prefix, 0, prefix.length);
  }
}
