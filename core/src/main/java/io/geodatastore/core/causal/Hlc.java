package io.geodatastore.core.causal;

/**
 * A hybrid logical clock (Kulkarni et al. 2014), as an immutable value: {@link #tick} and {@link
 * #receive} return the next clock. The caller supplies physical time, so this class reads no clock.
 *
 * <p>Readings never go backwards and always exceed every timestamp received, so a causally later
 * write gets a larger timestamp even when the writer's wall clock is behind. A received timestamp
 * more than {@code maxOffsetMs} ahead of local physical time is clamped: the clock advances only to
 * {@code physical + maxOffsetMs} and {@link Receipt#clamped()} reports by how much the remote was
 * ahead, so one node with a clock far in the future cannot drag every other clock with it.
 */
public final class Hlc {

  private final long maxOffsetMs;
  private final HlcTimestamp last;

  private Hlc(long maxOffsetMs, HlcTimestamp last) {
    if (maxOffsetMs < 0) {
      throw new IllegalArgumentException("maxOffsetMs must be 0 or more, got " + maxOffsetMs);
    }
    this.maxOffsetMs = maxOffsetMs;
    this.last = last;
  }

  /** A clock that has issued nothing yet. */
  public static Hlc create(long maxOffsetMs) {
    return new Hlc(maxOffsetMs, HlcTimestamp.ZERO);
  }

  /** A clock resumed after {@code last}, e.g. from the value persisted before a restart. */
  public static Hlc resume(long maxOffsetMs, HlcTimestamp last) {
    return new Hlc(maxOffsetMs, last);
  }

  /** The last timestamp issued or received. */
  public HlcTimestamp timestamp() {
    return last;
  }

  public long maxOffsetMs() {
    return maxOffsetMs;
  }

  /** The clock after a local event (a write) at physical time {@code physicalMs}. */
  public Hlc tick(long physicalMs) {
    return new Hlc(maxOffsetMs, after(last, Math.max(physicalMs, 0)));
  }

  /**
   * The clock after receiving {@code remote} at physical time {@code physicalMs}.
   *
   * @return the new clock, and whether {@code remote} was clamped
   */
  public Receipt receive(HlcTimestamp remote, long physicalMs) {
    long physical = Math.max(physicalMs, 0);
    // Saturates: a max offset of Long.MAX_VALUE means "never clamp", not an overflowed limit.
    long limit = maxOffsetMs > Long.MAX_VALUE - physical ? Long.MAX_VALUE : physical + maxOffsetMs;
    HlcTimestamp effective = remote;
    long aheadMs = 0;
    if (remote.wallMs() > limit) {
      aheadMs = remote.wallMs() - physical;
      effective = new HlcTimestamp(limit, 0);
    }
    HlcTimestamp base = effective.compareTo(last) > 0 ? effective : last;
    return new Receipt(new Hlc(maxOffsetMs, after(base, physical)), aheadMs > 0, aheadMs);
  }

  private static HlcTimestamp after(HlcTimestamp base, long physical) {
    if (physical > base.wallMs()) {
      return new HlcTimestamp(physical, 0);
    }
    if (base.logical() == Integer.MAX_VALUE) {
      return new HlcTimestamp(base.wallMs() + 1, 0);
    }
    return new HlcTimestamp(base.wallMs(), base.logical() + 1);
  }

  /**
   * What {@link #receive} did.
   *
   * @param clock the clock after receiving
   * @param clamped whether the remote timestamp was more than the max offset ahead
   * @param aheadMs by how much the remote wall time was ahead of local physical time, when clamped
   */
  public record Receipt(Hlc clock, boolean clamped, long aheadMs) {}

  @Override
  public String toString() {
    return "Hlc[" + last + ", maxOffsetMs=" + maxOffsetMs + "]";
  }
}
