package io.geodatastore.cluster.repair;

/**
 * A token bucket of bytes on the Env's clock: it refills at {@code bytesPerSec} up to one second's
 * worth. Traffic is charged when it happens (a reply's size is known only when it arrives), so the
 * bucket may go into debt; new work waits until the debt is paid. The long-run rate is therefore
 * bounded by {@code bytesPerSec}, with bursts of at most about one second's worth plus one message.
 */
final class TokenBucket {

  private final long bytesPerSec;
  private double tokens;
  private long lastMs;

  TokenBucket(long bytesPerSec, long nowMs) {
    if (bytesPerSec < 1) {
      throw new IllegalArgumentException("a rate is at least 1 byte/s, got " + bytesPerSec);
    }
    this.bytesPerSec = bytesPerSec;
    this.tokens = bytesPerSec;
    this.lastMs = nowMs;
  }

  /** Takes {@code bytes} (possibly into debt). */
  void charge(long bytes, long nowMs) {
    refill(nowMs);
    tokens -= bytes;
  }

  /** How long new work must wait for the debt to be paid: 0 when there is none. */
  long waitMs(long nowMs) {
    refill(nowMs);
    return tokens >= 0 ? 0 : (long) Math.ceil(-tokens * 1000.0 / bytesPerSec);
  }

  long bytesPerSec() {
    return bytesPerSec;
  }

  private void refill(long nowMs) {
    if (nowMs > lastMs) {
      tokens = Math.min(bytesPerSec, tokens + (nowMs - lastMs) * (bytesPerSec / 1000.0));
      lastMs = nowMs;
    }
  }
}
