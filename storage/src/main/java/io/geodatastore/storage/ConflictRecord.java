package io.geodatastore.storage;

import io.geodatastore.core.crdt.Conflict;
import io.geodatastore.core.crdt.CrdtType;
import java.util.Objects;

/**
 * One entry of a replica's persistent conflict log: a resolution that hid, dropped or refused a
 * write, where and when it happened here.
 *
 * @param atMs the wall-clock time (ms since the epoch) at which this replica resolved it
 * @param key the key
 * @param type the key's type after the resolution (for a type mismatch: the type that was kept)
 * @param conflict what met and the rule that resolved it
 */
public record ConflictRecord(long atMs, KeyRef key, CrdtType type, Conflict conflict) {

  public ConflictRecord {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(conflict, "conflict");
    if (type.family() != key.family()) {
      throw new IllegalArgumentException(type + " is not a type of " + key.family());
    }
  }
}
