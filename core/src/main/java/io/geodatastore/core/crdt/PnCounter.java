package io.geodatastore.core.crdt;

import io.geodatastore.core.causal.ReplicaId;
import java.util.Objects;

/**
 * PN-Counter: a counter that goes up and down, as two {@link GCounter}s, one of increments and one
 * of decrements (Shapiro et al. 2011, §3.1.2). The value is their difference. Each side is a 64-bit
 * G-Counter; an operation that would overflow either side is refused. This class is immutable.
 */
public final class PnCounter implements Crdt<PnCounter> {

  public static final PnCounter EMPTY = new PnCounter(GCounter.EMPTY, GCounter.EMPTY);

  private final GCounter increments;
  private final GCounter decrements;

  private PnCounter(GCounter increments, GCounter decrements) {
    this.increments = increments;
    this.decrements = decrements;
  }

  public static PnCounter of(GCounter increments, GCounter decrements) {
    Objects.requireNonNull(increments, "increments");
    Objects.requireNonNull(decrements, "decrements");
    return increments.isEmpty() && decrements.isEmpty()
        ? EMPTY
        : new PnCounter(increments, decrements);
  }

  @Override
  public CrdtType type() {
    return CrdtType.PN_COUNTER;
  }

  public GCounter increments() {
    return increments;
  }

  public GCounter decrements() {
    return decrements;
  }

  /**
   * Increments minus decrements.
   *
   * @throws ArithmeticException when either side, merged, exceeds a 64-bit total
   */
  public long value() {
    return Math.subtractExact(increments.value(), decrements.value());
  }

  /** Adds {@code amount} (0 or more) on behalf of {@code replica}. */
  public Update<PnCounter> increment(ReplicaId replica, long amount) {
    Update<GCounter> u = increments.increment(replica, amount);
    return Update.of(of(u.state(), decrements), of(u.delta(), GCounter.EMPTY));
  }

  /** Subtracts {@code amount} (0 or more) on behalf of {@code replica}. */
  public Update<PnCounter> decrement(ReplicaId replica, long amount) {
    Update<GCounter> u = decrements.increment(replica, amount);
    return Update.of(of(increments, u.state()), of(GCounter.EMPTY, u.delta()));
  }

  @Override
  public PnCounter merge(PnCounter other) {
    GCounter p = increments.merge(other.increments);
    GCounter n = decrements.merge(other.decrements);
    return p == increments && n == decrements ? this : of(p, n);
  }

  @Override
  public boolean isEmpty() {
    return increments.isEmpty() && decrements.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PnCounter c
        && increments.equals(c.increments)
        && decrements.equals(c.decrements);
  }

  @Override
  public int hashCode() {
    return 31 * increments.hashCode() + decrements.hashCode();
  }

  @Override
  public String toString() {
    return "PnCounter[+" + increments.counts() + ", -" + decrements.counts() + "]";
  }
}
