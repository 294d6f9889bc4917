package io.geodatastore.core.causal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * A causal context: a set of dots, kept as a compact version vector (every dot {@code r:1..n}) plus
 * a dot cloud (the dots not contiguous with it). Immutable.
 *
 * <p>Almeida, Shoker and Baquero, "Delta State Replicated Data Types" (2018), §6. The
 * representation is always compacted, so two contexts holding the same dots are equal and encode to
 * the same bytes. In a replica's full state the cloud is normally empty; in a delta it holds the
 * delta's few dots.
 */
public final class DotContext {

  private static final Dot[] NO_DOTS = new Dot[0];

  /** The context that has seen nothing. */
  public static final DotContext EMPTY = new DotContext(VersionVector.EMPTY, NO_DOTS);

  private final VersionVector compact;
  private final Dot[] cloud;

  private DotContext(VersionVector compact, Dot[] cloud) {
    this.compact = compact;
    this.cloud = cloud;
  }

  /** The context holding exactly {@code dots}. */
  public static DotContext of(Collection<Dot> dots) {
    if (dots.isEmpty()) {
      return EMPTY;
    }
    Dot[] sorted = dots.toArray(NO_DOTS);
    Arrays.sort(sorted);
    return compact(VersionVector.EMPTY, sorted);
  }

  /** The context holding exactly {@code dots}. */
  public static DotContext of(Dot... dots) {
    return of(Arrays.asList(dots));
  }

  /** The context holding every dot a version vector includes. */
  public static DotContext of(VersionVector vector) {
    return vector.isEmpty() ? EMPTY : new DotContext(vector, NO_DOTS);
  }

  /** A context from its two parts, as decoded; the result is compacted. */
  public static DotContext of(VersionVector compact, Collection<Dot> cloud) {
    Dot[] sorted = cloud.toArray(NO_DOTS);
    Arrays.sort(sorted);
    return compact(compact, sorted);
  }

  /** The contiguous part. */
  public VersionVector versionVector() {
    return compact;
  }

  /** The dots not contiguous with the version vector, in order. */
  public List<Dot> cloud() {
    return List.of(cloud);
  }

  public boolean isEmpty() {
    return compact.isEmpty() && cloud.length == 0;
  }

  public boolean contains(Dot dot) {
    return compact.contains(dot) || Arrays.binarySearch(cloud, dot) >= 0;
  }

  /** The next dot {@code replica} should issue: one past the highest it has issued here. */
  public Dot nextDot(ReplicaId replica) {
    long max = compact.get(replica);
    for (Dot d : cloud) {
      if (d.replica().equals(replica)) {
        max = Math.max(max, d.counter());
      }
    }
    if (max == Long.MAX_VALUE) {
      throw new ArithmeticException("dot counter of " + replica + " overflows");
    }
    return new Dot(replica, max + 1);
  }

  /** This context with {@code dot} added. */
  public DotContext add(Dot dot) {
    Objects.requireNonNull(dot, "dot");
    if (contains(dot)) {
      return this;
    }
    long have = compact.get(dot.replica());
    if (cloud.length == 0) {
      if (dot.counter() == have + 1) {
        return new DotContext(compact.with(dot.replica(), dot.counter()), NO_DOTS);
      }
      return new DotContext(compact, new Dot[] {dot});
    }
    int at = -Arrays.binarySearch(cloud, dot) - 1;
    Dot[] merged = new Dot[cloud.length + 1];
    System.arraycopy(cloud, 0, merged, 0, at);
    merged[at] = dot;
    System.arraycopy(cloud, at, merged, at + 1, cloud.length - at);
    return compact(compact, merged);
  }

  /** The union of the two contexts. */
  public DotContext merge(DotContext other) {
    if (other == this || other.isEmpty()) {
      return this;
    }
    if (isEmpty()) {
      return other;
    }
    VersionVector vv = compact.merge(other.compact);
    if (cloud.length == 0 && other.cloud.length == 0) {
      return new DotContext(vv, NO_DOTS);
    }
    Dot[] union = new Dot[cloud.length + other.cloud.length];
    int i = 0;
    int j = 0;
    int n = 0;
    while (i < cloud.length || j < other.cloud.length) {
      int c =
          i == cloud.length ? 1 : j == other.cloud.length ? -1 : cloud[i].compareTo(other.cloud[j]);
      if (c == 0) {
        union[n++] = cloud[i++];
        j++;
      } else if (c < 0) {
        union[n++] = cloud[i++];
      } else {
        union[n++] = other.cloud[j++];
      }
    }
    return compact(vv, Arrays.copyOf(union, n));
  }

  /** Folds a sorted cloud into the vector wherever it is contiguous; drops covered dots. */
  private static DotContext compact(VersionVector vv, Dot[] sortedCloud) {
    List<Dot> rest = new ArrayList<>();
    VersionVector out = vv;
    for (Dot d : sortedCloud) {
      long have = out.get(d.replica());
      if (d.counter() <= have) {
        continue;
      }
      if (d.counter() == have + 1) {
        out = out.with(d.replica(), d.counter());
      } else if (rest.isEmpty() || !rest.get(rest.size() - 1).equals(d)) {
        rest.add(d);
      }
    }
    // A dot kept in the cloud may have become contiguous through a later one of the same replica
    // being absorbed; that cannot happen because the cloud is sorted ascending per replica, so
    // every
    // absorption happens before the dots that follow it are examined.
    if (out.isEmpty() && rest.isEmpty()) {
      return EMPTY;
    }
    return new DotContext(out, rest.toArray(NO_DOTS));
  }

  /** The number of dots held, counting the version vector's. */
  public long dotCount() {
    return compact.total() + cloud.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DotContext c && compact.equals(c.compact) && Arrays.equals(cloud, c.cloud);
  }

  @Override
  public int hashCode() {
    return 31 * compact.hashCode() + Arrays.hashCode(cloud);
  }

  @Override
  public String toString() {
    return cloud.length == 0 ? compact.toString() : compact + "+" + Arrays.toString(cloud);
  }
}
