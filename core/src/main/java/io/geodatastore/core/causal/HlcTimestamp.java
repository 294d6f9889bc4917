package io.geodatastore.core.causal;

/**
 * A hybrid-logical-clock reading: wall-clock milliseconds and a logical counter that orders events
 * within one millisecond (Kulkarni et al., "Logical Physical Clocks", 2014).
 *
 * @param wallMs milliseconds since the epoch, 0 or more
 * @param logical 0 or more
 */
public record HlcTimestamp(long wallMs, int logical) implements Comparable<HlcTimestamp> {

  /** Before every real reading. */
  public static final HlcTimestamp ZERO = new HlcTimestamp(0, 0);

  public HlcTimestamp {
    if (wallMs < 0 || logical < 0) {
      throw new IllegalArgumentException(
          "an HLC timestamp is non-negative, got " + wallMs + "." + logical);
    }
  }

  @Override
  public int compareTo(HlcTimestamp o) {
    int c = Long.compare(wallMs, o.wallMs);
    return c != 0 ? c : Integer.compare(logical, o.logical);
  }

  public boolean isAfter(HlcTimestamp o) {
    return compareTo(o) > 0;
  }

  @Override
  public String toString() {
    return wallMs + "." + logical;
  }
}
