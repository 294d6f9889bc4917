package io.geodatastore.core.testkit;

import io.geodatastore.core.causal.ReplicaId;
import java.util.List;
import java.util.Random;

/** Small seeded generators shared by the property tests of every module. */
public final class Gen {

  /** A small alphabet, so that concurrent operations on one element are common. */
  public static final List<String> ELEMENTS = List.of("a", "b", "c", "d", "e", "f");

  /**
   * The largest amount one generated counter operation uses: 2^50, so 8,000 of them never overflow.
   */
  public static final long AMOUNT_LARGE_MAX = 1L << 50;

  private Gen() {}

  public static ReplicaId replica(int index) {
    return ReplicaId.of("r" + index);
  }

  /** A counter amount: 0, 1, small, or large. */
  public static long amount(Random rnd) {
    return switch (rnd.nextInt(4)) {
      case 0 -> 0;
      case 1 -> 1;
      case 2 -> 1 + rnd.nextInt(100);
      default -> 1 + (rnd.nextLong() >>> 1) % AMOUNT_LARGE_MAX;
    };
  }

  /** An element of {@link #ELEMENTS}, or of an alphabet of {@code alphabetSize} when larger. */
  public static String element(Random rnd, int alphabetSize) {
    if (alphabetSize <= ELEMENTS.size()) {
      return ELEMENTS.get(rnd.nextInt(alphabetSize));
    }
    return String.format("e%03d", rnd.nextInt(alphabetSize));
  }

  public static <E> E pick(Random rnd, List<E> from) {
    return from.get(rnd.nextInt(from.size()));
  }
}
