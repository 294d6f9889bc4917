package io.geodatastore.storage.rocksdb;

import io.geodatastore.storage.StoredLogEntry;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The entries this replica appended to its log last, as the shards wrote them (the entry and its
 * bytes), so that the delta streams read what was just written without a RocksDB iterator: opening
 * and seeking one for every batch was a fifth of the replication thread's time.
 *
 * <p>A ring indexed by sequence number: at most {@link #SLOTS} entries of at most {@link
 * #ENTRY_BYTES_MAX} bytes each (larger ones are not kept), so at most 8 MiB. A shard puts its
 * entries only once their batch is written, before their sequences count as durable; an entry never
 * changes once written, so a slot holding the sequence asked for is that entry. Written by the
 * shards and read by any thread.
 */
final class LogTail {

  /** Entries kept; a power of two. */
  static final int SLOTS = 2048;

  /** The largest entry kept, in bytes. */
  static final int ENTRY_BYTES_MAX = 4096;

  private final AtomicReferenceArray<StoredLogEntry> slots = new AtomicReferenceArray<>(SLOTS);

  /** Keeps {@code e}, just written, unless it is too large. */
  void put(StoredLogEntry e) {
    if (e.bytes().length <= ENTRY_BYTES_MAX) {
      slots.set(index(e.entry().id().counter()), e);
    }
  }

  /** Entry {@code seq}, or null when not kept. */
  StoredLogEntry get(long seq) {
    StoredLogEntry e = slots.get(index(seq));
    return e != null && e.entry().id().counter() == seq ? e : null;
  }

  private static int index(long seq) {
    return (int) (seq & (SLOTS - 1));
  }
}
