package io.geodatastore.node;

import io.geodatastore.storage.Durability;
import io.geodatastore.storage.KeyRef;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One node's settings, validated. Built from flags and the config file ({@link #from}), whose keys
 * are the long flag names without dashes.
 *
 * @param nodeId the node's name, e.g. {@code us-east-1}
 * @param region the node's region, e.g. {@code us-east}
 * @param http where the HTTP API listens
 * @param peer where the node-to-node (gRPC) transport listens
 * @param advertise the peer address other nodes should use; {@code peer} when not given
 * @param seeds peer addresses of other nodes
 * @param dataDir the store's directory
 * @param faultInjection whether {@code /admin/faults/*} is served
 * @param durability when writes are acknowledged
 * @param shards store shards (single-threaded writers)
 * @param maxBodyBytes the largest request body; larger answers 413
 * @param maxKeyBytes the longest key name in UTF-8 bytes (at most 512)
 * @param maxElementsPerRequest the most set elements one request may carry
 * @param maxBatchOperations the most operations one {@code POST /crdt/batch} may carry
 * @param writeTimeoutMs how long a write at local_quorum, quorum or all waits for acknowledgements
 *     before it answers 503
 * @param readTimeoutMs how long a read beyond eventual may take in all before it answers 503
 * @param sessionWaitMs how long a session or causal read waits for replication to bring this node
 *     up to the session's token before it fetches the key from other replicas (0: fetch at once;
 *     never longer than {@code readTimeoutMs})
 * @param conflictLogMax the most entries the persistent conflict log keeps
 * @param conflictLogMaxAgeHours how long the conflict log keeps an entry
 * @param gcIntervalMs how often tombstones and epochs that became causally stable are collected
 * @param antiEntropyIntervalMs how often anti-entropy compares trees with a random alive replica of
 *     this region (0: never; start-up, catch-up and quarantine repairs and jobs still run)
 * @param antiEntropyCrossRegionIntervalMs the same with a replica of another region (0: never)
 * @param antiEntropyBytesPerSec the most bytes per second continuous and triggered anti-entropy
 *     sends and receives, answers to other nodes' exchanges included
 * @param antiEntropyJobBytesPerSec the same for on-demand jobs (full sync, region sync)
 * @param antiEntropyCausalWaitMs how long full records from a peer wait at most for this replica to
 *     apply their causal past before they are merged anyway
 * @param merkleVerifyIntervalMs how often the anti-entropy tree is checked against the store and
 *     its wrong leaves fixed (0: never)
 */
public record NodeConfig(
    String nodeId,
    String region,
    HostPort http,
    HostPort peer,
    HostPort advertise,
    List<HostPort> seeds,
    Path dataDir,
    boolean faultInjection,
    Durability durability,
    int shards,
    int maxBodyBytes,
    int maxKeyBytes,
    int maxElementsPerRequest,
    int maxBatchOperations,
    long writeTimeoutMs,
    long readTimeoutMs,
    long sessionWaitMs,
    int conflictLogMax,
    int conflictLogMaxAgeHours,
    long gcIntervalMs,
    long antiEntropyIntervalMs,
    long antiEntropyCrossRegionIntervalMs,
    long antiEntropyBytesPerSec,
    long antiEntropyJobBytesPerSec,
    long antiEntropyCausalWaitMs,
    long merkleVerifyIntervalMs) {

  /** Default conflict-log bound: 100,000 entries. */
  public static final int CONFLICT_LOG_MAX_DEFAULT = 100_000;

  /** Default conflict-log age bound: 168 hours (a week). */
  public static final int CONFLICT_LOG_MAX_AGE_HOURS_DEFAULT = 168;

  /** Default garbage-collection interval: one minute. */
  public static final int GC_INTERVAL_MS_DEFAULT = 60_000;

  /** Default write-level timeout: 5 s. */
  public static final int WRITE_TIMEOUT_MS_DEFAULT = 5_000;

  /** Default read-level timeout: as the write-level one. */
  public static final int READ_TIMEOUT_MS_DEFAULT = WRITE_TIMEOUT_MS_DEFAULT;

  /** Default wait of a session read for replication before it fetches from replicas. */
  public static final int SESSION_WAIT_MS_DEFAULT = 200;

  /** Default largest body: 1 MiB. */
  public static final int MAX_BODY_BYTES_DEFAULT = 1 << 20;

  /** Default most elements per request. */
  public static final int MAX_ELEMENTS_PER_REQUEST_DEFAULT = 10_000;

  /** Default most operations per batch. */
  public static final int MAX_BATCH_OPERATIONS_DEFAULT = 1_000;

  /** The most a node may be configured to take per batch. */
  public static final int MAX_BATCH_OPERATIONS_LIMIT = 100_000;

  /** Default anti-entropy round within a region: 30 s. */
  public static final long ANTI_ENTROPY_INTERVAL_MS_DEFAULT = 30_000;

  /** Default anti-entropy round across regions: 2 min. */
  public static final long ANTI_ENTROPY_CROSS_REGION_INTERVAL_MS_DEFAULT = 120_000;

  /** Default anti-entropy rate: 16 MiB/s. */
  public static final long ANTI_ENTROPY_BYTES_PER_SEC_DEFAULT = 16L << 20;

  /** Default rate of on-demand anti-entropy jobs: 64 MiB/s. */
  public static final long ANTI_ENTROPY_JOB_BYTES_PER_SEC_DEFAULT = 64L << 20;

  /** Default bound on the causal wait of full records: 5 s. */
  public static final long ANTI_ENTROPY_CAUSAL_WAIT_MS_DEFAULT = 5_000;

  /** Default interval of the anti-entropy tree's verification: 6 h. */
  public static final long MERKLE_VERIFY_INTERVAL_MS_DEFAULT = 6 * 3_600_000L;

  /** Every key the config file and the flags accept. */
  public static final Set<String> KEYS =
      Set.of(
          "node-id",
          "region",
          "http",
          "peer",
          "advertise",
          "seeds",
          "data-dir",
          "enable-fault-injection",
          "durability",
          "shards",
          "max-body-bytes",
          "max-key-bytes",
          "max-elements-per-request",
          "max-batch-operations",
          "write-timeout-ms",
          "read-timeout-ms",
          "session-wait-ms",
          "conflict-log-max",
          "conflict-log-max-age-hours",
          "gc-interval-ms",
          "anti-entropy-interval-ms",
          "anti-entropy-cross-region-interval-ms",
          "anti-entropy-bytes-per-sec",
          "anti-entropy-job-bytes-per-sec",
          "anti-entropy-causal-wait-ms",
          "merkle-verify-interval-ms");

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  public NodeConfig {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(http, "http");
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(advertise, "advertise");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(durability, "durability");
    seeds = List.copyOf(seeds);
    requireName("node-id", nodeId);
    requireName("region", region);
    if (shards < 1 || shards > 1024) {
      throw new IllegalArgumentException("shards is 1 to 1024, got " + shards);
    }
    if (maxBodyBytes < 1024) {
      throw new IllegalArgumentException("max-body-bytes is at least 1024, got " + maxBodyBytes);
    }
    if (maxKeyBytes < 1 || maxKeyBytes > KeyRef.NAME_BYTES_MAX) {
      throw new IllegalArgumentException(
          "max-key-bytes is 1 to " + KeyRef.NAME_BYTES_MAX + ", got " + maxKeyBytes);
    }
    if (writeTimeoutMs < 1 || writeTimeoutMs > 600_000) {
      throw new IllegalArgumentException("write-timeout-ms is 1 to 600000, got " + writeTimeoutMs);
    }
    if (readTimeoutMs < 1 || readTimeoutMs > 600_000) {
      throw new IllegalArgumentException("read-timeout-ms is 1 to 600000, got " + readTimeoutMs);
    }
    if (sessionWaitMs < 0 || sessionWaitMs > 600_000) {
      throw new IllegalArgumentException("session-wait-ms is 0 to 600000, got " + sessionWaitMs);
    }
    if (conflictLogMax < 1) {
      throw new IllegalArgumentException("conflict-log-max is at least 1, got " + conflictLogMax);
    }
    if (conflictLogMaxAgeHours < 1) {
      throw new IllegalArgumentException(
          "conflict-log-max-age-hours is at least 1, got " + conflictLogMaxAgeHours);
    }
    if (gcIntervalMs < 100 || gcIntervalMs > 86_400_000) {
      throw new IllegalArgumentException(
          "gc-interval-ms is 100 to 86400000 (a day), got " + gcIntervalMs);
    }
    requireRange("anti-entropy-interval-ms", antiEntropyIntervalMs, 0, DAY_MS);
    requireRange(
        "anti-entropy-cross-region-interval-ms", antiEntropyCrossRegionIntervalMs, 0, DAY_MS);
    requireRange("anti-entropy-bytes-per-sec", antiEntropyBytesPerSec, 1024, 1L << 40);
    requireRange("anti-entropy-job-bytes-per-sec", antiEntropyJobBytesPerSec, 1024, 1L << 40);
    requireRange("anti-entropy-causal-wait-ms", antiEntropyCausalWaitMs, 0, 600_000);
    requireRange("merkle-verify-interval-ms", merkleVerifyIntervalMs, 0, 30 * DAY_MS);
    if (maxElementsPerRequest < 1) {
      throw new IllegalArgumentException(
          "max-elements-per-request is at least 1, got " + maxElementsPerRequest);
    }
    requireRange("max-batch-operations", maxBatchOperations, 1, MAX_BATCH_OPERATIONS_LIMIT);
  }

  /**
   * Builds a config from string settings keyed by long flag name ({@link #KEYS}); missing optional
   * settings take their defaults.
   *
   * @throws IllegalArgumentException naming the setting that is missing or wrong
   */
  public static NodeConfig from(Map<String, String> settings) {
    Map<String, String> s = new LinkedHashMap<>(settings);
    for (String k : s.keySet()) {
      if (!KEYS.contains(k)) {
        throw new IllegalArgumentException("unknown setting '" + k + "'; known: " + KEYS);
      }
    }
    String nodeId = required(s, "node-id");
    String region = required(s, "region");
    HostPort http = HostPort.parse("http", required(s, "http"));
    HostPort peer = HostPort.parse("peer", required(s, "peer"));
    String advertise = s.get("advertise");
    return new NodeConfig(
        nodeId,
        region,
        http,
        peer,
        advertise == null || advertise.isBlank() ? peer : HostPort.parse("advertise", advertise),
        HostPort.parseList("seeds", s.get("seeds")),
        Path.of(required(s, "data-dir")),
        bool("enable-fault-injection", s.getOrDefault("enable-fault-injection", "false")),
        Durability.parse(s.getOrDefault("durability", "fsync")),
        integer(s, "shards", Runtime.getRuntime().availableProcessors()),
        integer(s, "max-body-bytes", MAX_BODY_BYTES_DEFAULT),
        integer(s, "max-key-bytes", KeyRef.NAME_BYTES_MAX),
        integer(s, "max-elements-per-request", MAX_ELEMENTS_PER_REQUEST_DEFAULT),
        integer(s, "max-batch-operations", MAX_BATCH_OPERATIONS_DEFAULT),
        integer(s, "write-timeout-ms", WRITE_TIMEOUT_MS_DEFAULT),
        integer(s, "read-timeout-ms", READ_TIMEOUT_MS_DEFAULT),
        integer(s, "session-wait-ms", SESSION_WAIT_MS_DEFAULT),
        integer(s, "conflict-log-max", CONFLICT_LOG_MAX_DEFAULT),
        integer(s, "conflict-log-max-age-hours", CONFLICT_LOG_MAX_AGE_HOURS_DEFAULT),
        integer(s, "gc-interval-ms", GC_INTERVAL_MS_DEFAULT),
        whole(s, "anti-entropy-interval-ms", ANTI_ENTROPY_INTERVAL_MS_DEFAULT),
        whole(
            s,
            "anti-entropy-cross-region-interval-ms",
            ANTI_ENTROPY_CROSS_REGION_INTERVAL_MS_DEFAULT),
        whole(s, "anti-entropy-bytes-per-sec", ANTI_ENTROPY_BYTES_PER_SEC_DEFAULT),
        whole(s, "anti-entropy-job-bytes-per-sec", ANTI_ENTROPY_JOB_BYTES_PER_SEC_DEFAULT),
        whole(s, "anti-entropy-causal-wait-ms", ANTI_ENTROPY_CAUSAL_WAIT_MS_DEFAULT),
        whole(s, "merkle-verify-interval-ms", MERKLE_VERIFY_INTERVAL_MS_DEFAULT));
  }

  private static final long DAY_MS = 24L * 3600 * 1000;

  private static void requireRange(String key, long v, long min, long max) {
    if (v < min || v > max) {
      throw new IllegalArgumentException(key + " is " + min + " to " + max + ", got " + v);
    }
  }

  private static long whole(Map<String, String> s, String key, long dflt) {
    String v = s.get(key);
    if (v == null || v.isBlank()) {
      return dflt;
    }
    try {
      return Long.parseLong(v.strip().replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + key + " needs a whole number, got '" + v + "'", e);
    }
  }

  private static String required(Map<String, String> s, String key) {
    String v = s.get(key);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("--" + key + " is required (flag or config-file key)");
    }
    return v.strip();
  }

  private static int integer(Map<String, String> s, String key, int dflt) {
    String v = s.get(key);
    if (v == null || v.isBlank()) {
      return dflt;
    }
    try {
      return Integer.parseInt(v.strip().replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + key + " needs a whole number, got '" + v + "'", e);
    }
  }

  private static boolean bool(String key, String v) {
    return switch (v.strip().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw new IllegalArgumentException("--" + key + " is true or false, got " + v);
    };
  }

  private static void requireName(String what, String v) {
    if (!NAME.matcher(v).matches()) {
      throw new IllegalArgumentException(
          what
              + " is 1 to 128 letters, digits, '.', '_' or '-' starting with a letter or digit, got '"
              + v
              + "'");
    }
  }
}
