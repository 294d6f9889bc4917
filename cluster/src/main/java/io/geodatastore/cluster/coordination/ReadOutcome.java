package io.geodatastore.cluster.coordination;

import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.storage.KeyRecord;
import java.util.Objects;

/** What a read at a level beyond {@code eventual} answered. */
public sealed interface ReadOutcome {

  /** How a served read was served. */
  enum How {
    /** From the local records, which already covered the session's past. */
    LOCAL,
    /** From the local records, after waiting for replication to cover the session's past. */
    WAITED,
    /** Local records merged with records fetched from replicas that cover the session's past. */
    FETCHED,
    /** Merged from the replicas the level names. */
    MERGED
  }

  /**
   * The key's record.
   *
   * @param record the (merged) record, tombstones included; null when the key is absent from every
   *     replica that answered
   * @param covers everything the record may reflect (an upper bound): what a session token joins
   * @param repairs replicas found behind and sent the record (repaired, or being repaired)
   */
  record Served(KeyRecord record, VersionVector covers, How how, int repairs)
      implements ReadOutcome {
    public Served {
      Objects.requireNonNull(covers, "covers");
      Objects.requireNonNull(how, "how");
    }
  }

  /** The key is stored corrupt wherever it was read, and no replica had a good copy to merge. */
  record Quarantined(VersionVector covers) implements ReadOutcome {}

  /**
   * The level was not met in time.
   *
   * @param reached what was reached, as a phrase for an error message (e.g. "reached 2 of 3 needed
   *     replicas (3 counted)")
   */
  record Unavailable(String reached) implements ReadOutcome {}
}
