package io.geodatastore.storage;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.crdt.Conflict;
import io.geodatastore.core.crdt.Crdt;
import io.geodatastore.core.crdt.CrdtType;
import java.util.List;

/** The outcome of a client write or delete. Expected failures are results, not exceptions. */
public sealed interface WriteResult {

  /**
   * The write is durable.
   *
   * @param key the key
   * @param type its type
   * @param state the key's state after the write
   * @param created whether this write created the key
   * @param logId the replication-log entry of the write, or null when it changed nothing
   * @param at the HLC time of the write
   * @param conflicts what the conflict log should record
   */
  record Written(
      KeyRef key,
      CrdtType type,
      Crdt<?> state,
      boolean created,
      Dot logId,
      HlcTimestamp at,
      List<Conflict> conflicts)
      implements WriteResult {
    public Written {
      conflicts = List.copyOf(conflicts);
    }
  }

  /** A delete of a key that does not exist (or is already deleted). */
  record NotFound(KeyRef key) implements WriteResult {}

  /** The key exists with a type that does not take this operation. */
  record TypeMismatch(KeyRef key, CrdtType actual) implements WriteResult {}

  /** A counter would leave the 64-bit range; nothing changed. */
  record Overflow(KeyRef key, String message) implements WriteResult {}

  /** The key's stored value is corrupt and awaits repair by anti-entropy; nothing changed. */
  record Quarantined(KeyRef key, String reason) implements WriteResult {}
}
