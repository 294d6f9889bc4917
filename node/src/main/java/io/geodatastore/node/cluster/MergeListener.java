package io.geodatastore.node.cluster;

import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.MergeResult;

/**
 * Told of every merge into the store that another replica caused (a replicated entry, a full record
 * from anti-entropy or read repair), on a store thread, so the node can log and count the conflicts
 * it resolved, and of every replicated entry made durable, to measure its propagation.
 */
@FunctionalInterface
public interface MergeListener {
  void merged(KeyRef key, CrdtType type, MergeResult result);

  /** A replicated entry written at its origin at {@code writtenAt} is durable here. */
  default void replicated(HlcTimestamp writtenAt) {}
}
