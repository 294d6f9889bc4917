package io.geodatastore.cluster;

import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.storage.LogEntry;
import java.util.List;
import java.util.Objects;

/** The messages of the per-origin delta streams. */
public sealed interface ReplicationMessage extends ClusterMessage {

  /** The node that sent the message. */
  NodeId from();

  /**
   * Consecutive entries of {@code origin}'s log. When {@code skipTo} is positive, entries before it
   * are no longer in the origin's log: the receiver moves its watermark there and the gap is left
   * to anti-entropy.
   */
  record DeltaBatch(NodeId from, ReplicaId origin, long skipTo, List<LogEntry> entries)
      implements ReplicationMessage {
    public DeltaBatch {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(origin, "origin");
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
}
