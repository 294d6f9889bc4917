package io.geodatastore.storage.rocksdb;

import io.geodatastore.storage.KeyRef;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A shard's cache of decoded records, least recently used first out, bounded both by entries and by
 * the stored size of the records it holds. One thread (the shard's) uses it.
 *
 * <p>The entry bound keeps a workload of many small keys in memory (100,000 counters take about 45
 * MB decoded, 450 bytes each); the byte bound keeps a few large sets from holding the heap: a
 * record's decoded form is a few times its stored size.
 */
final class RecordCache {

  private final int entriesMax;
  private final long bytesMax;
  private final LinkedHashMap<KeyRef, Slot> slots = new LinkedHashMap<>(1024, 0.75f, true);
  private long bytes;

  RecordCache(int entriesMax, long bytesMax) {
    if (entriesMax < 1 || bytesMax < 1) {
      throw new IllegalArgumentException("a cache holds at least one entry and one byte");
    }
    this.entriesMax = entriesMax;
    this.bytesMax = bytesMax;
  }

  /** The cached slot of {@code key}, now the most recently used; null when not cached. */
  Slot get(KeyRef key) {
    return slots.get(key);
  }

  /**
   * Caches {@code slot} as the most recently used, evicting the least recently used past a bound.
   */
  void put(KeyRef key, Slot slot) {
    Slot old = slots.put(key, slot);
    bytes += slot.storedBytes() - (old == null ? 0 : old.storedBytes());
    Iterator<Map.Entry<KeyRef, Slot>> eldest = slots.entrySet().iterator();
    while ((slots.size() > entriesMax || bytes > bytesMax) && slots.size() > 1) {
      Slot evicted = eldest.next().getValue();
      eldest.remove();
      bytes -= evicted.storedBytes();
    }
  }

  void remove(KeyRef key) {
    Slot old = slots.remove(key);
    if (old != null) {
      bytes -= old.storedBytes();
    }
  }

  int size() {
    return slots.size();
  }

  /** The stored size of the records cached. */
  long bytes() {
    return bytes;
  }
}
