package io.geodatastore.storage.rocksdb;

import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import java.util.List;

/**
 * What a shard knows of one key: its record (null when absent), the size of its stored value, why
 * it is quarantined (null when it is not), other column families of its family that also hold it (a
 * concurrent creation with two types, deleted on the next write), and the hash the anti-entropy
 * tree holds for it (0 when it holds none).
 *
 * <p>The tree's hash is what the next change of the key subtracts from its leaf, so it must be the
 * term the leaf really contains: the hash of the stored bytes, or for a quarantined key (whose
 * bytes are damaged, so hashing them would give a term the leaf never received) the hash its index
 * entry holds.
 */
record Slot(
    KeyRef key,
    KeyRecord record,
    int storedBytes,
    String corrupt,
    List<CrdtType> strayTypes,
    long merkleHash) {

  static Slot absent(KeyRef key) {
    return new Slot(key, null, 0, null, List.of(), 0);
  }

  static Slot corrupt(KeyRef key, String reason, long merkleHash) {
    return new Slot(key, null, 0, reason, List.of(), merkleHash);
  }
}
