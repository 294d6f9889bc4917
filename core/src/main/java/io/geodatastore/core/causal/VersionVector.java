package io.geodatastore.core.causal;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.ObjLongConsumer;

/**
 * A version vector: for each replica, how many of its events are included. Immutable.
 *
 * <p>Entries are kept sorted by replica in two parallel arrays; zero entries are never stored, so
 * equal vectors have equal representations. A vector has one entry per replica that ever wrote, a
 * handful in practice, so copying on update is cheaper than any shared structure.
 */
public final class VersionVector {

  private static final ReplicaId[] NO_IDS = new ReplicaId[0];
  private static final long[] NO_COUNTERS = new long[0];

  /** The vector that includes nothing. */
  public static final VersionVector EMPTY = new VersionVector(NO_IDS, NO_COUNTERS);

  private final ReplicaId[] ids;
  private final long[] counters;

  private VersionVector(ReplicaId[] ids, long[] counters) {
    this.ids = ids;
    this.counters = counters;
  }

  /** A vector with the given entries; zero entries are dropped, negative ones rejected. */
  public static VersionVector of(Map<ReplicaId, Long> entries) {
    TreeMap<ReplicaId, Long> sorted = new TreeMap<>();
    entries.forEach(
        (r, c) -> {
          if (c < 0) {
            throw new IllegalArgumentException("negative version vector entry " + r + "=" + c);
          }
          if (c > 0) {
            sorted.put(r, c);
          }
        });
    ReplicaId[] ids = new ReplicaId[sorted.size()];
    long[] counters = new long[sorted.size()];
    int i = 0;
    for (Map.Entry<ReplicaId, Long> e : sorted.entrySet()) {
      ids[i] = e.getKey();
      counters[i++] = e.getValue();
    }
    return new VersionVector(ids, counters);
  }

  /** A vector of one entry. */
  public static VersionVector of(ReplicaId replica, long counter) {
    return EMPTY.with(replica, counter);
  }

  public int size() {
    return ids.length;
  }

  public boolean isEmpty() {
    return ids.length == 0;
  }

  /** The replica of the {@code i}-th entry, in replica order. */
  public ReplicaId replicaAt(int i) {
    return ids[i];
  }

  /** The counter of the {@code i}-th entry, in replica order. */
  public long counterAt(int i) {
    return counters[i];
  }

  /** The counter for {@code replica}, 0 when absent. */
  public long get(ReplicaId replica) {
    int i = Arrays.binarySearch(ids, replica);
    return i >= 0 ? counters[i] : 0;
  }

  /** Whether this vector includes {@code dot}. */
  public boolean contains(Dot dot) {
    return get(dot.replica()) >= dot.counter();
  }

  /** This vector with {@code replica}'s counter raised by one. */
  public VersionVector increment(ReplicaId replica) {
    long c = get(replica);
    if (c == Long.MAX_VALUE) {
      throw new ArithmeticException("version vector entry for " + replica + " overflows");
    }
    return with(replica, c + 1);
  }

  /** This vector with {@code replica}'s counter set to {@code counter} (0 removes the entry). */
  public VersionVector with(ReplicaId replica, long counter) {
    Objects.requireNonNull(replica, "replica");
    if (counter < 0) {
      throw new IllegalArgumentException(
          "negative version vector entry " + replica + "=" + counter);
    }
    int i = Arrays.binarySearch(ids, replica);
    if (i >= 0) {
      if (counters[i] == counter) {
        return this;
      }
      if (counter == 0) {
        return without(i);
      }
      long[] c = counters.clone();
      c[i] = counter;
      return new VersionVector(ids, c);
    }
    if (counter == 0) {
      return this;
    }
    int at = -i - 1;
    ReplicaId[] newIds = new ReplicaId[ids.length + 1];
    long[] newCounters = new long[ids.length + 1];
    System.arraycopy(ids, 0, newIds, 0, at);
    System.arraycopy(counters, 0, newCounters, 0, at);
    newIds[at] = replica;
    newCounters[at] = counter;
    System.arraycopy(ids, at, newIds, at + 1, ids.length - at);
    System.arraycopy(counters, at, newCounters, at + 1, ids.length - at);
    return new VersionVector(newIds, newCounters);
  }

  private VersionVector without(int i) {
    ReplicaId[] newIds = new ReplicaId[ids.length - 1];
    long[] newCounters = new long[ids.length - 1];
    System.arraycopy(ids, 0, newIds, 0, i);
    System.arraycopy(counters, 0, newCounters, 0, i);
    System.arraycopy(ids, i + 1, newIds, i, ids.length - i - 1);
    System.arraycopy(counters, i + 1, newCounters, i, ids.length - i - 1);
    return new VersionVector(newIds, newCounters);
  }

  /** The least upper bound: the entry-wise maximum. */
  public VersionVector merge(VersionVector other) {
    return combine(other, true);
  }

  /** The greatest lower bound: the entry-wise minimum (what both include). */
  public VersionVector meet(VersionVector other) {
    return combine(other, false);
  }

  private VersionVector combine(VersionVector other, boolean max) {
    if (other == this) {
      return this;
    }
    ReplicaId[] outIds = new ReplicaId[ids.length + other.ids.length];
    long[] outCounters = new long[outIds.length];
    int i = 0;
    int j = 0;
    int n = 0;
    while (i < ids.length || j < other.ids.length) {
      int c = i == ids.length ? 1 : j == other.ids.length ? -1 : ids[i].compareTo(other.ids[j]);
      long value;
      ReplicaId id;
      if (c == 0) {
        id = ids[i];
        value =
            max
                ? Math.max(counters[i++], other.counters[j++])
                : Math.min(counters[i++], other.counters[j++]);
      } else if (c < 0) {
        id = ids[i];
        value = max ? counters[i] : 0;
        i++;
      } else {
        id = other.ids[j];
        value = max ? other.counters[j] : 0;
        j++;
      }
      if (value > 0) {
        outIds[n] = id;
        outCounters[n++] = value;
      }
    }
    if (max && n == ids.length && Arrays.equals(outCounters, 0, n, counters, 0, n)) {
      return this;
    }
    return new VersionVector(Arrays.copyOf(outIds, n), Arrays.copyOf(outCounters, n));
  }

  /** How this vector relates to {@code other} under happened-before. */
  public CausalOrder compare(VersionVector other) {
    boolean less = false;
    boolean greater = false;
    int i = 0;
    int j = 0;
    while (i < ids.length || j < other.ids.length) {
      int c = i == ids.length ? 1 : j == other.ids.length ? -1 : ids[i].compareTo(other.ids[j]);
      if (c == 0) {
        if (counters[i] < other.counters[j]) {
          less = true;
        } else if (counters[i] > other.counters[j]) {
          greater = true;
        }
        i++;
        j++;
      } else if (c < 0) {
        greater = true;
        i++;
      } else {
        less = true;
        j++;
      }
    }
    if (less && greater) {
      return CausalOrder.CONCURRENT;
    }
    return less ? CausalOrder.BEFORE : greater ? CausalOrder.AFTER : CausalOrder.EQUAL;
  }

  /** Whether this vector includes everything {@code other} includes. */
  public boolean dominates(VersionVector other) {
    CausalOrder o = compare(other);
    return o == CausalOrder.AFTER || o == CausalOrder.EQUAL;
  }

  /** Calls {@code action} for each entry in replica order. */
  public void forEach(ObjLongConsumer<ReplicaId> action) {
    for (int i = 0; i < ids.length; i++) {
      action.accept(ids[i], counters[i]);
    }
  }

  /** The entries as an unmodifiable sorted map. */
  public Map<ReplicaId, Long> toMap() {
    TreeMap<ReplicaId, Long> m = new TreeMap<>();
    forEach(m::put);
    return Collections.unmodifiableMap(m);
  }

  /** The sum of all counters: how many events this vector includes. */
  public long total() {
    long t = 0;
    for (long c : counters) {
      t = Math.addExact(t, c);
    }
    return t;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VersionVector v
        && Arrays.equals(ids, v.ids)
        && Arrays.equals(counters, v.counters);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(ids) + Arrays.hashCode(counters);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < ids.length; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(ids[i]).append('=').append(counters[i]);
    }
    return sb.append(']').toString();
  }
}
