package io.geodatastore.storage;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.Crdt;
import io.geodatastore.core.crdt.CrdtType;
import java.util.Objects;

/**
 * One entry of the replication log: a delta (or a delete) originated by one replica, numbered per
 * origin. Receivers merge {@link #toRecord()} into the key's record; merging is idempotent, so a
 * retransmitted entry is harmless.
 *
 * <p><b>Dependencies.</b> A receiver merges an entry only once every entry it depends on is merged
 * there (causal delivery), so no replica shows an update without the updates it causally depends
 * on, across keys. The entry's causal past is, for every other origin, the highest sequence whose
 * effect the origin's records could show when the write was made ({@link DependencyTracker}).
 * Receivers merge one origin's entries in order, so an entry carries only the part of that vector
 * its origin's earlier entries did not already carry: {@code deps} is that part, and the entry's
 * whole causal past is the join of the {@code deps} of its origin's entries up to it (plus those
 * entries themselves). In steady state an entry carries a few dependencies, not one per origin.
 *
 * @param id the origin replica and its sequence number (1, 2, 3, … with no gaps)
 * @param key the key
 * @param type the key's type
 * @param epoch the key's epoch when the entry was written
 * @param live false for a delete
 * @param delta the delta state; the bottom state for a delete
 * @param epochDot the delete that began {@code epoch}, or null in the zero epoch
 * @param writtenAt the origin's HLC time of the write (replication lag is measured from it)
 * @param deps the dependencies this entry adds to its origin's earlier entries' (per other origin,
 *     the highest sequence it waits for); never names the entry's own origin
 */
public record LogEntry(
    Dot id,
    KeyRef key,
    CrdtType type,
    Epoch epoch,
    boolean live,
    Crdt<?> delta,
    Dot epochDot,
    HlcTimestamp writtenAt,
    VersionVector deps) {

  public LogEntry {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(writtenAt, "writtenAt");
    Objects.requireNonNull(deps, "deps");
    if (deps.get(id.replica()) != 0) {
      throw new IllegalArgumentException(
          "entry " + id + " depends on its own origin: " + deps + " (per-origin order covers it)");
    }
    if (type.family() != key.family()) {
      throw new IllegalArgumentException(type + " is not a type of " + key.family());
    }
    // Validates the remaining invariants (state type, tombstone, epoch dot).
    new KeyRecord(type, epoch, live, delta, epochDot);
  }

  /** An entry without dependencies. */
  public LogEntry(
      Dot id,
      KeyRef key,
      CrdtType type,
      Epoch epoch,
      boolean live,
      Crdt<?> delta,
      Dot epochDot,
      HlcTimestamp writtenAt) {
    this(id, key, type, epoch, live, delta, epochDot, writtenAt, VersionVector.EMPTY);
  }

  /** This entry with {@code newDeps} as its dependencies. */
  public LogEntry withDeps(VersionVector newDeps) {
    return new LogEntry(id, key, type, epoch, live, delta, epochDot, writtenAt, newDeps);
  }

  /** The record this entry contributes, to be joined into the receiver's record. */
  public KeyRecord toRecord() {
    return new KeyRecord(type, epoch, live, delta, epochDot);
  }
}
