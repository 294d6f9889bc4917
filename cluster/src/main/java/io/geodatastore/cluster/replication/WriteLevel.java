package io.geodatastore.cluster.replication;

/**
 * How many replicas an operation involves: those that must hold a write before it is acknowledged
 * to the client, or those a read merges (see {@link Replication#replicas}).
 */
public enum WriteLevel {
  /** This node only (the {@code eventual}, {@code session} and {@code causal} levels). */
  LOCAL,
  /** A majority of this region's replicas, this node included. */
  LOCAL_QUORUM,
  /** A majority of all replicas, this node included. */
  QUORUM,
  /** Every replica. */
  ALL
}
