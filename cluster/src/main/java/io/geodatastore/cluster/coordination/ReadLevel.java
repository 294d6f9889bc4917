package io.geodatastore.cluster.coordination;

import io.geodatastore.cluster.replication.WriteLevel;
import java.util.Locale;

/** The read levels that need more than this node's records as they are (API.md §3). */
public enum ReadLevel {
  /** The local records once they cover what the session saw; else fetched from replicas. */
  SESSION,
  /** As {@link #SESSION}; the local records are causally closed (causal delivery). */
  CAUSAL,
  /** Merged from a majority of this region's replicas, stale ones repaired. */
  LOCAL_QUORUM,
  /** Merged from a majority of all replicas, stale ones repaired. */
  QUORUM,
  /** Merged from every replica, stale ones repaired. */
  ALL;

  /** The API's name: {@code session}, {@code local_quorum}, … */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether this level merges several replicas (rather than waiting for the session's past). */
  public boolean merges() {
    return this != SESSION && this != CAUSAL;
  }

  /** The replicas a merging level reads, counted as the write levels count them. */
  WriteLevel replicas() {
    return switch (this) {
      case SESSION, CAUSAL -> WriteLevel.LOCAL;
      case LOCAL_QUORUM -> WriteLevel.LOCAL_QUORUM;
      case QUORUM -> WriteLevel.QUORUM;
      case ALL -> WriteLevel.ALL;
    };
  }
}
