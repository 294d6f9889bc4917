package io.geodatastore.cluster;

import io.geodatastore.core.causal.ReplicaId;

/**
 * The stable name of a node, such as {@code us-east-1}: it survives restarts (the node keeps it in
 * its data directory) and is the node's replica id for dots and version vectors. Ordered by its
 * text.
 *
 * @param value 1 to {@value ReplicaId#LENGTH_MAX} characters, no control characters
 */
public record NodeId(String value) implements Comparable<NodeId> {

  public NodeId {
    // ReplicaId holds the same rules; a node id must always be a valid replica id.
    new ReplicaId(value);
  }

  public static NodeId of(String value) {
    return new NodeId(value);
  }

  /** The replica id under which this node originates dots and LWW writes. */
  public ReplicaId replicaId() {
    return new ReplicaId(value);
  }

  @Override
  public int compareTo(NodeId o) {
    return value.compareTo(o.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
