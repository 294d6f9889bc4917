package io.geodatastore.core.testkit;

import io.geodatastore.core.causal.DotContext;
import io.geodatastore.core.causal.Hlc;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.crdt.Crdt;

/**
 * One replica of a generated history: its id, its current state, its own hybrid logical clock, and
 * how far its physical clock is skewed from the simulation's true time. Mutable, owned by one
 * {@link History}.
 *
 * @param <T> the data type
 */
public final class Node<T extends Crdt<T>> {

  public final int index;
  public final ReplicaId id;
  public final long skewMs;
  public T state;
  public Hlc hlc;

  /** The context of this replica's last MV-Register read, or null before the first read. */
  public DotContext lastRead;

  Node(int index, long skewMs, long maxOffsetMs, T empty) {
    this.index = index;
    this.id = Gen.replica(index);
    this.skewMs = skewMs;
    this.state = empty;
    this.hlc = Hlc.create(maxOffsetMs);
  }

  /** This replica's physical clock reading when the true time is {@code trueMs}. */
  public long physicalMs(long trueMs) {
    return Math.max(0, trueMs + skewMs);
  }

  @Override
  public String toString() {
    return id + "=" + state;
  }
}
