package io.geodatastore.cluster.repair;

import io.geodatastore.cluster.NodeId;
import java.util.Locale;

/**
 * What one anti-entropy exchange with one peer did.
 *
 * @param peer the peer
 * @param peerRegion its region
 * @param scope why it ran
 * @param outcome how it ended
 * @param failure why it failed, or empty
 * @param rangesCompared tree nodes compared (the root, branches, leaves)
 * @param keysCompared keys of differing leaves compared by hash
 * @param keysFetched records fetched from the peer
 * @param keysPushed records pushed to the peer
 * @param repairedHere fetched records that changed this replica
 * @param repairedThere pushed records that changed the peer
 * @param bytesSent bytes of requests and pushed records sent
 * @param bytesReceived bytes of answers and fetched records received
 * @param durationMs from the first request to the end
 */
public record ExchangeReport(
    NodeId peer,
    String peerRegion,
    Scope scope,
    Outcome outcome,
    String failure,
    long rangesCompared,
    long keysCompared,
    long keysFetched,
    long keysPushed,
    long repairedHere,
    long repairedThere,
    long bytesSent,
    long bytesReceived,
    long durationMs) {

  /** Why an exchange ran. */
  public enum Scope {
    /** A round with a peer of this node's region (or a triggered exchange with one). */
    REGION,
    /** A round with a peer of another region (or a triggered exchange with one). */
    CROSS_REGION,
    /** Part of an on-demand job. */
    JOB;

    /** The metric label: {@code region}, {@code cross_region}, {@code job}. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** How an exchange ended. */
  public enum Outcome {
    /** Nothing differed (or only what replication delivered meanwhile). */
    IN_SYNC,
    /** Records were shipped and changed one side or both. */
    REPAIRED,
    /** A request went unanswered, or a merge failed: not every difference was shipped. */
    FAILED;

    /** The metric label: {@code in_sync}, {@code repaired}, {@code failed}. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Keys changed on either side. */
  public long keysRepaired() {
    return repairedHere + repairedThere;
  }

  public long bytes() {
    return bytesSent + bytesReceived;
  }
}
