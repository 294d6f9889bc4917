package io.geodatastore.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The intended start times of a fixed-rate load, waited for without spinning.
 *
 * <p>The generators share the cores with the nodes they measure. Waiting for a start by looping on
 * {@code System.nanoTime()} (which they did whenever the next start was less than 200 µs away, so
 * always at 10,000/s) kept one of the machine's two cores busy doing nothing. Here the thread parks
 * until the next start; the kernel wakes it some tens of microseconds late, and the starts that
 * came due meanwhile then go out at once, each still stamped with its intended time.
 */
final class Pacer {

  private final long start;
  private final double intervalNanos;
  private long issued;

  Pacer(double perSecond) {
    if (!(perSecond > 0)) {
      throw new IllegalArgumentException("rate must be positive: " + perSecond);
    }
    this.start = System.nanoTime();
    this.intervalNanos = TimeUnit.SECONDS.toNanos(1) / perSecond;
  }

  /** When the pacing began, in {@link System#nanoTime()} units. */
  long start() {
    return start;
  }

  /**
   * Waits until the next start is due and returns its intended time, or returns {@code -1} without
   * waiting if that start would be at or after {@code deadline}.
   */
  long awaitNext(long deadline) throws InterruptedException {
    long intended = start + (long) (issued * intervalNanos);
    if (intended >= deadline) {
      return -1;
    }
    for (long wait = intended - System.nanoTime(); wait > 0; ) {
      LockSupport.parkNanos(wait);
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      wait = intended - System.nanoTime();
    }
    issued++;
    return intended;
  }
}
