package io.geodatastore.cluster.replication;

/**
 * Bounds and timings of the delta streams; every bound carries its unit.
 *
 * @param batchEntriesMax most entries per batch
 * @param batchBytesMax about the most encoded bytes per batch
 * @param batchDelayMs how long a new write may wait for others to share its batch
 * @param windowEntriesMax most entries sent to one peer and not yet acknowledged
 * @param retransmitMs resend from the last acknowledgement when a peer acknowledged nothing for
 *     this long while entries are outstanding
 * @param retentionEntriesMax how far a peer may fall behind before it is left to anti-entropy and
 *     no longer holds back the trimming of the log
 * @param tickMs period of the housekeeping timer (retransmission, trimming, lag)
 * @param causalDelivery whether an entry is merged only after the entries it depends on (always,
 *     but for the test that shows the simulator's causality check fails without it)
 * @param stabilityIntervalMs how often a replica reports its causal-stability progress to its peers
 */
public record ReplicationOptions(
    int batchEntriesMax,
    long batchBytesMax,
    long batchDelayMs,
    int windowEntriesMax,
    long retransmitMs,
    long retentionEntriesMax,
    long tickMs,
    boolean causalDelivery,
    long stabilityIntervalMs) {

  public ReplicationOptions {
    if (batchEntriesMax < 1
        || batchBytesMax < 1
        || batchDelayMs < 0
        || windowEntriesMax < batchEntriesMax
        || retransmitMs < 1
        || retentionEntriesMax < windowEntriesMax
        || tickMs < 1
        || stabilityIntervalMs < tickMs) {
      throw new IllegalArgumentException("inconsistent replication options: " + this);
    }
  }

  /** These options with causal delivery, reporting stability every {@code stabilityIntervalMs}. */
  public ReplicationOptions(
      int batchEntriesMax,
      long batchBytesMax,
      long batchDelayMs,
      int windowEntriesMax,
      long retransmitMs,
      long retentionEntriesMax,
      long tickMs,
      long stabilityIntervalMs) {
    this(
        batchEntriesMax,
        batchBytesMax,
        batchDelayMs,
        windowEntriesMax,
        retransmitMs,
        retentionEntriesMax,
        tickMs,
        true,
        stabilityIntervalMs);
  }

  /** These options with causal delivery and a stability report every ten ticks. */
  public ReplicationOptions(
      int batchEntriesMax,
      long batchBytesMax,
      long batchDelayMs,
      int windowEntriesMax,
      long retransmitMs,
      long retentionEntriesMax,
      long tickMs) {
    this(
        batchEntriesMax,
        batchBytesMax,
        batchDelayMs,
        windowEntriesMax,
        retransmitMs,
        retentionEntriesMax,
        tickMs,
        true,
        10 * tickMs);
  }

  public static ReplicationOptions defaults() {
    return new ReplicationOptions(512, 1 << 20, 2, 8_192, 1_000, 1_000_000, 50);
  }

  /** These options with causal delivery on or off. */
  public ReplicationOptions withCausalDelivery(boolean on) {
    return new ReplicationOptions(
        batchEntriesMax,
        batchBytesMax,
        batchDelayMs,
        windowEntriesMax,
        retransmitMs,
        retentionEntriesMax,
        tickMs,
        on,
        stabilityIntervalMs);
  }
}
