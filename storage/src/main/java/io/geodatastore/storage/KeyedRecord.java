package io.geodatastore.storage;

import java.util.Objects;

/**
 * A key's full record, as anti-entropy and read repair ship it between replicas.
 *
 * @param key the key
 * @param record its record, tombstones included
 */
public record KeyedRecord(KeyRef key, KeyRecord record) {
  public KeyedRecord {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(record, "record");
    if (record.type().family() != key.family()) {
      throw new IllegalArgumentException(record.type() + " is not a type of " + key.family());
    }
  }
}
