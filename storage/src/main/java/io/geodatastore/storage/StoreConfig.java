package io.geodatastore.storage;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * How a store is opened. Every bound carries its unit in its name.
 *
 * @param dataDir the directory holding the database; created when missing
 * @param nodeId the node's name (e.g. {@code us-east-1}); the replica id is derived from it once,
 *     when the data directory is created
 * @param durability when writes are acknowledged
 * @param shards single-threaded shards keys are hashed to (default: one per core)
 * @param groupCommitMax most writes per synced batch
 * @param groupCommitWindowMicros how long a shard waits for more writes after the first of a batch;
 *     0 batches only what is already queued (lowest latency; batches still grow under load because
 *     writes queue up during each fsync)
 * @param cacheEntriesPerShard decoded records each shard keeps for hot keys
 * @param hlcMaxOffsetMs how far ahead of local time a received timestamp may be before it is
 *     clamped
 * @param wallClockMs the wall clock (milliseconds since the epoch); fault injection skews it
 * @param conflictLogMax the most entries the conflict log keeps (the oldest go first)
 * @param conflictLogMaxAgeMs how long the conflict log keeps an entry
 */
public record StoreConfig(
    Path dataDir,
    String nodeId,
    Durability durability,
    int shards,
    int groupCommitMax,
    long groupCommitWindowMicros,
    int cacheEntriesPerShard,
    long hlcMaxOffsetMs,
    LongSupplier wallClockMs,
    int conflictLogMax,
    long conflictLogMaxAgeMs) {

  /** The default bound of the conflict log: 100,000 entries. */
  public static final int CONFLICT_LOG_MAX_DEFAULT = 100_000;

  /** The default age bound of the conflict log: 7 days. */
  public static final long CONFLICT_LOG_MAX_AGE_MS_DEFAULT = 168L * 3_600_000;

  public StoreConfig {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(durability, "durability");
    Objects.requireNonNull(wallClockMs, "wallClockMs");
    requirePositive("shards", shards);
    requirePositive("groupCommitMax", groupCommitMax);
    requirePositive("cacheEntriesPerShard", cacheEntriesPerShard);
    requirePositive("conflictLogMax", conflictLogMax);
    if (conflictLogMaxAgeMs < 1) {
      throw new IllegalArgumentException("conflictLogMaxAgeMs must be 1 or more");
    }
    if (groupCommitWindowMicros < 0 || hlcMaxOffsetMs < 0) {
      throw new IllegalArgumentException("groupCommitWindowMicros and hlcMaxOffsetMs are >= 0");
    }
  }

  /**
   * The defaults: fsync, one shard per core, batches of up to 1,024, 65,536 records cached per
   * shard (a uniform load on 100,000 counters missed a 10,000-entry cache on 80% of its writes, and
   * each miss read two column families: 17.8 µs of shard time per write against 13.2–14.7).
   */
  public static StoreConfig defaults(Path dataDir, String nodeId) {
    return new StoreConfig(
        dataDir,
        nodeId,
        Durability.FSYNC,
        Runtime.getRuntime().availableProcessors(),
        1024,
        0,
        65_536,
        60_000,
        System::currentTimeMillis,
        CONFLICT_LOG_MAX_DEFAULT,
        CONFLICT_LOG_MAX_AGE_MS_DEFAULT);
  }

  public StoreConfig withDurability(Durability d) {
    return new StoreConfig(
        dataDir,
        nodeId,
        d,
        shards,
        groupCommitMax,
        groupCommitWindowMicros,
        cacheEntriesPerShard,
        hlcMaxOffsetMs,
        wallClockMs,
        conflictLogMax,
        conflictLogMaxAgeMs);
  }

  public StoreConfig withShards(int n) {
    return new StoreConfig(
        dataDir,
        nodeId,
        durability,
        n,
        groupCommitMax,
        groupCommitWindowMicros,
        cacheEntriesPerShard,
        hlcMaxOffsetMs,
        wallClockMs,
        conflictLogMax,
        conflictLogMaxAgeMs);
  }

  public StoreConfig withWallClock(LongSupplier clock) {
    return new StoreConfig(
        dataDir,
        nodeId,
        durability,
        shards,
        groupCommitMax,
        groupCommitWindowMicros,
        cacheEntriesPerShard,
        hlcMaxOffsetMs,
        clock,
        conflictLogMax,
        conflictLogMaxAgeMs);
  }

  /** These bounds of the conflict log. */
  public StoreConfig withConflictLog(int maxEntries, long maxAgeMs) {
    return new StoreConfig(
        dataDir,
        nodeId,
        durability,
        shards,
        groupCommitMax,
        groupCommitWindowMicros,
        cacheEntriesPerShard,
        hlcMaxOffsetMs,
        wallClockMs,
        maxEntries,
        maxAgeMs);
  }

  private static void requirePositive(String name, int v) {
    if (v < 1) {
      throw new IllegalArgumentException(name + " must be 1 or more, got " + v);
    }
  }
}
