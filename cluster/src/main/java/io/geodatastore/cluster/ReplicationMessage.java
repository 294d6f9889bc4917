package io.geodatastore.cluster;

import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.storage.LogEntry;
import java.util.List;
import java.util.Objects;

/** The messages of the per-origin delta streams. */
public sealed interface ReplicationMessage extends ClusterMessage {

  /** The node that sent the message. */
  NodeId from();

  /**
   * Consecutive entries of {@code origin}'s log. When {@code skipTo} is positive, entries before it
   * are not sent (no longer in the origin's log, or merged everywhere else and so left to
   * anti-entropy): the receiver moves its watermark there and records the gap as a hole. {@code
   * horizon} is the sender's causal-stability horizon, which the receiver adopts before merging (an
   * entry written under a horizon must be merged under it).
   */
  record DeltaBatch(
      NodeId from, ReplicaId origin, long skipTo, List<LogEntry> entries, VersionVector horizon)
      implements ReplicationMessage {

    /** A batch that carries no horizon. */
    public DeltaBatch(NodeId from, ReplicaId origin, long skipTo, List<LogEntry> entries) {
      this(from, origin, skipTo, entries, VersionVector.EMPTY);
    }

    public DeltaBatch {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(origin, "origin");
      Objects.requireNonNull(horizon, "horizon");
      entries = List.copyOf(entries);
      for (int i = 0; i < entries.size(); i++) {
        LogEntry e = entries.get(i);
        if (!e.id().replica().equals(origin)) {
          throw new IllegalArgumentException("entry " + e.id() + " is not of origin " + origin);
        }
        if (i > 0 && e.id().counter() != entries.get(i - 1).id().counter() + 1) {
          throw new IllegalArgumentException("entries of a batch are consecutive");
        }
      }
    }

    /** The highest sequence carried, or {@code skipTo - 1} for an empty batch. */
    public long lastSequence() {
      return entries.isEmpty() ? Math.max(0, skipTo - 1) : entries.getLast().id().counter();
    }
  }

  /** Every entry of {@code origin} up to {@code appliedThrough} is durable at {@code from}. */
  record BatchAck(NodeId from, ReplicaId origin, long appliedThrough)
      implements ReplicationMessage {}

  /** Asks {@code to} for its watermark of {@code origin}: answered by a {@link BatchAck}. */
  record StreamProbe(NodeId from, ReplicaId origin) implements ReplicationMessage {}

  /**
   * What a replica knows about causal stability, sent to every peer periodically.
   *
   * @param from the sending node
   * @param replica its replica id
   * @param complete per origin, the highest sequence up to which every entry was merged at the
   *     sender (its own: its last sequence); each origin reads its own entry
   * @param stable the sender's stable sequence: every entry it originated up to it is merged at
   *     every replica it knows
   * @param fence stable sequences the sender knew at a point after which everything it issued has
   *     seen them, and before which everything it issued is merged everywhere; each origin reads
   *     its own entry
   * @param horizon the sender's horizon (per origin, its collectable sequence as announced)
   */
  record StabilityReport(
      NodeId from,
      ReplicaId replica,
      VersionVector complete,
      long stable,
      VersionVector fence,
      VersionVector horizon)
      implements ReplicationMessage {
    public StabilityReport {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(replica, "replica");
      Objects.requireNonNull(complete, "complete");
      Objects.requireNonNull(fence, "fence");
      Objects.requireNonNull(horizon, "horizon");
      if (stable < 0) {
        throw new IllegalArgumentException("negative stable sequence " + stable);
      }
    }
  }
}
