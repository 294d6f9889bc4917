package io.geodatastore.core.causal;

import java.util.Objects;

/**
 * One event: the {@code counter}-th event originated by {@code replica}. Counters start at 1.
 *
 * @param replica the origin
 * @param counter 1 or more
 */
public record Dot(ReplicaId replica, long counter) implements Comparable<Dot> {

  public Dot {
    Objects.requireNonNull(replica, "replica");
    if (counter < 1) {
      throw new IllegalArgumentException("a dot counter starts at 1, got " + counter);
    }
  }

  public static Dot of(String replica, long counter) {
    return new Dot(ReplicaId.of(replica), counter);
  }

  @Override
  public int compareTo(Dot o) {
    int c = replica.compareTo(o.replica);
    return c != 0 ? c : Long.compare(counter, o.counter);
  }

  @Override
  public String toString() {
    return replica + ":" + counter;
  }
}
