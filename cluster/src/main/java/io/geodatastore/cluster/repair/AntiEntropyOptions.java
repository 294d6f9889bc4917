package io.geodatastore.cluster.repair;

/**
 * Timings and bounds of anti-entropy; every bound carries its unit.
 *
 * @param intervalMs how often an exchange with a random alive peer of this node's region starts (0:
 *     never)
 * @param crossRegionIntervalMs how often one with a random alive peer of another region starts (0:
 *     never)
 * @param bytesPerSec the most bytes per second the continuous and triggered exchanges of this node
 *     send and receive together (trees, keys and records), answers to peers' exchanges included
 * @param jobBytesPerSec the same for exchanges of on-demand jobs (full sync, region sync); a peer
 *     answers them within its own {@code bytesPerSec}
 * @param causalWaitMs how long records from a peer wait at most for the local replica to apply
 *     their causal past before they are merged anyway ({@link CausalGate})
 * @param requestTimeoutMs how long one request of an exchange waits for its answer before it is
 *     sent again (a request is tried {@link #ATTEMPTS} times before the exchange fails)
 * @param requestsInFlightMax requests one exchange keeps outstanding at most
 * @param keysPageMax keys one page of a tree's keys holds (about: pages hold whole leaves)
 * @param urgentCheckMs how often a pending start-up sync, catch-up of a peer, job or repair of
 *     quarantined keys is tried
 * @param syncOnStart whether a node that starts compares its tree with one alive peer as soon as
 *     there is one (it may have been away longer than the replication log kept, or start on an
 *     empty data directory)
 * @param exchangesMax exchanges of this node running at once (each with another peer)
 * @param jobsKept finished jobs kept for {@code GET /admin/anti-entropy/jobs/{id}}
 */
public record AntiEntropyOptions(
    long intervalMs,
    long crossRegionIntervalMs,
    long bytesPerSec,
    long jobBytesPerSec,
    long causalWaitMs,
    long requestTimeoutMs,
    int requestsInFlightMax,
    int keysPageMax,
    long urgentCheckMs,
    boolean syncOnStart,
    int exchangesMax,
    int jobsKept) {

  /** How many times one request is sent before its exchange fails. */
  public static final int ATTEMPTS = 3;

  /** Default rate: 16 MiB/s. */
  public static final long BYTES_PER_SEC_DEFAULT = 16L << 20;

  public AntiEntropyOptions {
    if (intervalMs < 0
        || crossRegionIntervalMs < 0
        || bytesPerSec < 1
        || jobBytesPerSec < 1
        || causalWaitMs < 0
        || requestTimeoutMs < 1
        || requestsInFlightMax < 1
        || keysPageMax < 1
        || keysPageMax > io.geodatastore.cluster.AntiEntropyMessage.KEYS_REPLY_MAX / 2
        || urgentCheckMs < 1
        || exchangesMax < 1
        || jobsKept < 1) {
      throw new IllegalArgumentException("inconsistent anti-entropy options: " + this);
    }
  }

  /** 30 s within a region, 2 min across regions, 16 MiB/s, causal wait 5 s. */
  public static AntiEntropyOptions defaults() {
    return new Builder().build();
  }

  /** A builder starting from these options. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.intervalMs = intervalMs;
    b.crossRegionIntervalMs = crossRegionIntervalMs;
    b.bytesPerSec = bytesPerSec;
    b.jobBytesPerSec = jobBytesPerSec;
    b.causalWaitMs = causalWaitMs;
    b.requestTimeoutMs = requestTimeoutMs;
    b.requestsInFlightMax = requestsInFlightMax;
    b.keysPageMax = keysPageMax;
    b.urgentCheckMs = urgentCheckMs;
    b.syncOnStart = syncOnStart;
    b.exchangesMax = exchangesMax;
    b.jobsKept = jobsKept;
    return b;
  }

  public AntiEntropyOptions withIntervals(long regionMs, long crossRegionMs) {
    return toBuilder().intervalMs(regionMs).crossRegionIntervalMs(crossRegionMs).build();
  }

  public AntiEntropyOptions withRates(long bytesPerSecond, long jobBytesPerSecond) {
    return toBuilder().bytesPerSec(bytesPerSecond).jobBytesPerSec(jobBytesPerSecond).build();
  }

  public AntiEntropyOptions withCausalWaitMs(long ms) {
    return toBuilder().causalWaitMs(ms).build();
  }

  public AntiEntropyOptions withTimeouts(long requestMs, long urgentMs) {
    return toBuilder().requestTimeoutMs(requestMs).urgentCheckMs(urgentMs).build();
  }

  public AntiEntropyOptions withSyncOnStart(boolean on) {
    return toBuilder().syncOnStart(on).build();
  }

  public AntiEntropyOptions withKeysPageMax(int keys) {
    return toBuilder().keysPageMax(keys).build();
  }

  /** Mutable, for changing a few options of a set; every field starts at its default. */
  public static final class Builder {
    private long intervalMs = 30_000;
    private long crossRegionIntervalMs = 120_000;
    private long bytesPerSec = BYTES_PER_SEC_DEFAULT;
    private long jobBytesPerSec = BYTES_PER_SEC_DEFAULT;
    private long causalWaitMs = 5_000;
    private long requestTimeoutMs = 20_000;
    private int requestsInFlightMax = 4;
    private int keysPageMax = 16_384;
    private long urgentCheckMs = 1_000;
    private boolean syncOnStart = true;
    private int exchangesMax = 4;
    private int jobsKept = 100;

    private Builder() {}

    public Builder intervalMs(long v) {
      intervalMs = v;
      return this;
    }

    public Builder crossRegionIntervalMs(long v) {
      crossRegionIntervalMs = v;
      return this;
    }

    public Builder bytesPerSec(long v) {
      bytesPerSec = v;
      return this;
    }

    public Builder jobBytesPerSec(long v) {
      jobBytesPerSec = v;
      return this;
    }

    public Builder causalWaitMs(long v) {
      causalWaitMs = v;
      return this;
    }

    public Builder requestTimeoutMs(long v) {
      requestTimeoutMs = v;
      return this;
    }

    public Builder requestsInFlightMax(int v) {
      requestsInFlightMax = v;
      return this;
    }

    public Builder keysPageMax(int v) {
      keysPageMax = v;
      return this;
    }

    public Builder urgentCheckMs(long v) {
      urgentCheckMs = v;
      return this;
    }

    public Builder syncOnStart(boolean v) {
      syncOnStart = v;
      return this;
    }

    public Builder exchangesMax(int v) {
      exchangesMax = v;
      return this;
    }

    public Builder jobsKept(int v) {
      jobsKept = v;
      return this;
    }

    public AntiEntropyOptions build() {
      return new AntiEntropyOptions(
          intervalMs,
          crossRegionIntervalMs,
          bytesPerSec,
          jobBytesPerSec,
          causalWaitMs,
          requestTimeoutMs,
          requestsInFlightMax,
          keysPageMax,
          urgentCheckMs,
          syncOnStart,
          exchangesMax,
          jobsKept);
    }
  }
}
