package io.geodatastore.core.causal;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/** A small immutable sorted set of dots, such as the dots that support one OR-Set element. */
public final class DotSet {

  private static final Dot[] NONE = new Dot[0];

  public static final DotSet EMPTY = new DotSet(NONE);

  private final Dot[] dots;

  private DotSet(Dot[] dots) {
    this.dots = dots;
  }

  public static DotSet of(Dot dot) {
    return new DotSet(new Dot[] {dot});
  }

  /** The set of {@code dots}; duplicates collapse. */
  public static DotSet of(Collection<Dot> dots) {
    if (dots.isEmpty()) {
      return EMPTY;
    }
    Dot[] a = dots.toArray(NONE);
    Arrays.sort(a);
    int n = 1;
    for (int i = 1; i < a.length; i++) {
      if (!a[i].equals(a[n - 1])) {
        a[n++] = a[i];
      }
    }
    return new DotSet(n == a.length ? a : Arrays.copyOf(a, n));
  }

  public int size() {
    return dots.length;
  }

  public boolean isEmpty() {
    return dots.length == 0;
  }

  public Dot get(int i) {
    return dots[i];
  }

  public boolean contains(Dot dot) {
    return Arrays.binarySearch(dots, dot) >= 0;
  }

  public List<Dot> toList() {
    return List.of(dots);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DotSet s && Arrays.equals(dots, s.dots);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dots);
  }

  @Override
  public String toString() {
    return Arrays.toString(dots);
  }
}
