package io.geodatastore.core.crdt;

import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import java.util.Objects;

/**
 * G-Counter: a grow-only counter (Shapiro et al., "A comprehensive study of CRDTs", 2011, §3.1.1).
 *
 * <p>Each replica counts its own increments; the value is the sum. Divergent histories are resolved
 * by taking the maximum count for each replica, like a version-vector merge, which is why the state
 * is a {@link VersionVector}. Counts are 64-bit: an increment that would overflow a replica's count
 * or the total is refused with an {@link ArithmeticException}, never wrapped. This class is
 * immutable.
 */
public final class GCounter implements Crdt<GCounter> {

  public static final GCounter EMPTY = new GCounter(VersionVector.EMPTY);

  private final VersionVector counts;

  private GCounter(VersionVector counts) {
    this.counts = counts;
  }

  /** A counter with the given per-replica counts. */
  public static GCounter of(VersionVector counts) {
    Objects.requireNonNull(counts, "counts");
    return counts.isEmpty() ? EMPTY : new GCounter(counts);
  }

  @Override
  public CrdtType type() {
    return CrdtType.G_COUNTER;
  }

  /** Per-replica counts. */
  public VersionVector counts() {
    return counts;
  }

  /**
   * The sum of all counts.
   *
   * @throws ArithmeticException when replicas' counts, merged, exceed a 64-bit total
   */
  public long value() {
    return counts.total();
  }

  /**
   * Adds {@code amount} on behalf of {@code replica}.
   *
   * @param amount 0 or more
   * @throws IllegalArgumentException when {@code amount} is negative
   * @throws ArithmeticException when the count or the total would exceed 2^63-1
   */
  public Update<GCounter> increment(ReplicaId replica, long amount) {
    if (amount < 0) {
      throw new IllegalArgumentException("a G-Counter only grows; got " + amount);
    }
    long own = Math.addExact(counts.get(replica), amount);
    Math.addExact(value(), amount);
    if (amount == 0) {
      return Update.of(this, EMPTY);
    }
    return Update.of(new GCounter(counts.with(replica, own)), of(VersionVector.of(replica, own)));
  }

  @Override
  public GCounter merge(GCounter other) {
    VersionVector m = counts.merge(other.counts);
    return m == counts ? this : m.equals(other.counts) ? other : new GCounter(m);
  }

  @Override
  public boolean isEmpty() {
    return counts.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GCounter g && counts.equals(g.counts);
  }

  @Override
  public int hashCode() {
    return counts.hashCode();
  }

  @Override
  public String toString() {
    return "GCounter" + counts;
  }
}
