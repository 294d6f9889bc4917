package io.geodatastore.it;

import java.time.Duration;
import java.util.function.Supplier;

/** Bounded polling for a condition, with the last observation in the failure message. */
final class Await {

  private Await() {}

  static <T> T until(
      String what, Duration timeout, Supplier<T> observe, java.util.function.Predicate<T> done)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    T last = null;
    RuntimeException lastError = null;
    while (System.nanoTime() < deadline) {
      try {
        last = observe.get();
        if (done.test(last)) {
          return last;
        }
      } catch (RuntimeException e) {
        lastError = e;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        what
            + " not reached within "
            + timeout
            + "; last seen: "
            + last
            + (lastError == null ? "" : "; last error: " + lastError.getMessage()));
  }
}
