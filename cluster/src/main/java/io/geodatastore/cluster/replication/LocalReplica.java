package io.geodatastore.cluster.replication;

import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.storage.LogEntry;
import java.util.List;

/**
 * The replication layer's view of this node's store. The node implements it over the RocksDB store
 * and the simulator over an in-memory one. Completion callbacks run on the node's single logical
 * thread (the same one that drives the {@code Env}).
 */
public interface LocalReplica {

  /** This replica's id: the origin of its log entries. */
  ReplicaId replicaId();

  /** The highest sequence such that every entry this replica originated up to it is durable. */
  long lastSequence();

  /** This replica's own log entries from {@code fromSeq}, bounded by count and bytes. */
  List<LogEntry> readLog(long fromSeq, int maxEntries, long maxBytes);

  /** The lowest sequence still in this replica's own log, or {@code lastSequence() + 1} if none. */
  long firstRetainedSequence();

  /** Trims this replica's own log up to and including {@code throughSeq}. */
  void trimLog(long throughSeq);

  /**
   * Merges entries of another origin and calls {@code done} once every one is durable (with false
   * if the store failed; the entries then count as not received).
   */
  void merge(List<LogEntry> entries, java.util.function.Consumer<Boolean> done);

  /** The persisted watermark of {@code origin}'s entries merged here (0 when none). */
  long applied(ReplicaId origin);

  /** Persists that every entry of {@code origin} up to {@code seq} is merged here. */
  void recordApplied(ReplicaId origin, long seq);
}
