package io.geodatastore.storage.rocksdb;

import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import java.util.List;

/**
 * What a shard knows of one key: its record (null when absent), the size of its stored value, why
 * it is quarantined (null when it is not), and other column families of its family that also hold
 * it (a concurrent creation with two types, deleted on the next write).
 */
record Slot(
    KeyRef key, KeyRecord record, int storedBytes, String corrupt, List<CrdtType> strayTypes) {

  static Slot absent(KeyRef key) {
    return new Slot(key, null, 0, null, List.of());
  }

  static Slot corrupt(KeyRef key, String reason) {
    return new Slot(key, null, 0, reason, List.of());
  }
}
