package io.geodatastore.cluster;

import java.util.Arrays;

/**
 * An immutable run of the anti-entropy tree's 64-bit sums (branches, or the leaves of some
 * branches), as {@link AntiEntropyMessage}s carry them. A value: equal runs are equal.
 */
public final class TreeSums {

  /** No sums. */
  public static final TreeSums EMPTY = new TreeSums(new long[0]);

  private final long[] sums;

  private TreeSums(long[] sums) {
    this.sums = sums;
  }

  /** A run holding a copy of {@code sums}. */
  public static TreeSums of(long... sums) {
    return sums.length == 0 ? EMPTY : new TreeSums(sums.clone());
  }

  public int size() {
    return sums.length;
  }

  public long get(int i) {
    return sums[i];
  }

  /** A copy of the sums. */
  public long[] toArray() {
    return sums.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TreeSums t && Arrays.equals(sums, t.sums);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(sums);
  }

  @Override
  public String toString() {
    return "TreeSums[" + sums.length + "]";
  }
}
