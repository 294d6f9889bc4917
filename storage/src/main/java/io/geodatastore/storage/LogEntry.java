package io.geodatastore.storage;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.crdt.Crdt;
import io.geodatastore.core.crdt.CrdtType;
import java.util.Objects;

/**
 * One entry of the replication log: a delta (or a delete) originated by one replica, numbered per
 * origin. Receivers merge {@link #toRecord()} into the key's record; merging is idempotent, so a
 * retransmitted entry is harmless.
 *
 * @param id the origin replica and its sequence number (1, 2, 3, … with no gaps)
 * @param key the key
 * @param type the key's type
 * @param epoch the key's epoch when the entry was written
 * @param live false for a delete
 * @param delta the delta state; the bottom state for a delete
 * @param epochDot the delete that began {@code epoch}, or null in the zero epoch
 * @param writtenAt the origin's HLC time of the write (replication lag is measured from it)
 */
public record LogEntry(
    Dot id,
    KeyRef key,
    CrdtType type,
    Epoch epoch,
    boolean live,
    Crdt<?> delta,
    Dot epochDot,
    HlcTimestamp writtenAt) {

  public LogEntry {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(writtenAt, "writtenAt");
    if (type.family() != key.family()) {
      throw new IllegalArgumentException(type + " is not a type of " + key.family());
    }
    // Validates the remaining invariants (state type, tombstone, epoch dot).
    new KeyRecord(type, epoch, live, delta, epochDot);
  }

  /** The record this entry contributes, to be joined into the receiver's record. */
  public KeyRecord toRecord() {
    return new KeyRecord(type, epoch, live, delta, epochDot);
  }
}
