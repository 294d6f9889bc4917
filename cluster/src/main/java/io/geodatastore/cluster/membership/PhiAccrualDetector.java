package io.geodatastore.cluster.membership;

import io.geodatastore.cluster.NodeId;
import java.util.HashMap;
import java.util.Map;

/**
 * The φ accrual failure detector (Hayashibara, Défago, Yared, Katayama, "The φ Accrual Failure
 * Detector", SRDS 2004), as refined by Akka and Cassandra.
 *
 * <p>For each member it keeps a bounded window of the intervals between heartbeats (here: any
 * message received from the member) and models them as a normal distribution. At time {@code t} it
 * answers with φ = −log10(P(the next heartbeat arrives later than t)): φ = 1 means a 10% chance
 * that the member is still alive and merely late, φ = 8 one in 10<sup>8</sup>. The mean is padded
 * by an acceptable pause (GC, a busy event loop) and the standard deviation never drops below a
 * minimum, so perfectly regular heartbeats do not make the detector hair-trigger. The first
 * heartbeat seeds the window with an estimate, so φ is meaningful from the second heartbeat on;
 * before any heartbeat φ is 0.
 *
 * <p>Not thread-safe; see {@link io.geodatastore.cluster.Env}.
 */
public final class PhiAccrualDetector {

  /**
   * @param threshold φ at or above which a member counts as unavailable (8 by default)
   * @param windowSize intervals kept per member
   * @param minStdDevMs floor of the standard deviation
   * @param acceptablePauseMs added to the mean interval
   * @param firstHeartbeatEstimateMs the interval assumed before any was measured
   */
  public record Options(
      double threshold,
      int windowSize,
      long minStdDevMs,
      long acceptablePauseMs,
      long firstHeartbeatEstimateMs) {

    public Options {
      if (!(threshold > 0)) {
        throw new IllegalArgumentException("threshold must be positive, got " + threshold);
      }
      if (windowSize < 2 || windowSize > 10_000) {
        throw new IllegalArgumentException("windowSize is 2 to 10000, got " + windowSize);
      }
      if (minStdDevMs < 1 || acceptablePauseMs < 0 || firstHeartbeatEstimateMs < 1) {
        throw new IllegalArgumentException(
            "minStdDevMs and firstHeartbeatEstimateMs must be positive, acceptablePauseMs not"
                + " negative: "
                + this);
      }
    }

    public static Options defaults() {
      return new Options(8.0, 100, 100, 0, 1000);
    }
  }

  private final Options options;
  private final Map<NodeId, Window> windows = new HashMap<>();

  public PhiAccrualDetector(Options options) {
    this.options = options;
  }

  public Options options() {
    return options;
  }

  /** Records that a message from {@code member} arrived at {@code nowMs}. */
  public void heartbeat(NodeId member, long nowMs) {
    Window w = windows.get(member);
    if (w == null) {
      w = new Window(options.windowSize);
      windows.put(member, w);
      long estimate = options.firstHeartbeatEstimateMs;
      // Akka's seeding: two samples around the estimate give mean = estimate, stddev = estimate/4.
      w.add(estimate - estimate / 4);
      w.add(estimate + estimate / 4);
    } else if (nowMs > w.lastHeartbeatMs) {
      w.add(nowMs - w.lastHeartbeatMs);
    }
    w.lastHeartbeatMs = Math.max(w.lastHeartbeatMs, nowMs);
  }

  /** φ for {@code member} at {@code nowMs}; 0 if it never sent a heartbeat. */
  public double phi(NodeId member, long nowMs) {
    Window w = windows.get(member);
    if (w == null) {
      return 0.0;
    }
    long sinceMs = Math.max(0, nowMs - w.lastHeartbeatMs);
    double mean = w.mean() + options.acceptablePauseMs;
    double stdDev = Math.max(w.stdDev(), (double) options.minStdDevMs);
    return phi(sinceMs, mean, stdDev);
  }

  /** Whether φ for {@code member} is below the threshold (members never heard from are). */
  public boolean isAvailable(NodeId member, long nowMs) {
    return phi(member, nowMs) < options.threshold;
  }

  /** Forgets a member: its next heartbeat starts a fresh window (a restarted process). */
  public void remove(NodeId member) {
    windows.remove(member);
  }

  /** How many members have a window. */
  public int size() {
    return windows.size();
  }

  /**
   * −log10 of the normal tail beyond {@code sinceMs}, with the logistic approximation of the normal
   * CDF that Akka uses (error below 0.0002), which stays finite far into the tail.
   */
  static double phi(long sinceMs, double mean, double stdDev) {
    double y = (sinceMs - mean) / stdDev;
    double e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
    if (sinceMs > mean) {
      return -Math.log10(e / (1.0 + e));
    }
    return -Math.log10(1.0 - 1.0 / (1.0 + e));
  }

  /** A ring buffer of intervals with running sums. */
  private static final class Window {
    private final long[] intervals;
    private int count;
    private int next;
    private double sum;
    private double sumOfSquares;
    private long lastHeartbeatMs = Long.MIN_VALUE;

    Window(int size) {
      this.intervals = new long[size];
    }

    void add(long intervalMs) {
      if (count == intervals.length) {
        long old = intervals[next];
        sum -= old;
        sumOfSquares -= (double) old * old;
      } else {
        count++;
      }
      intervals[next] = intervalMs;
      next = (next + 1) % intervals.length;
      sum += intervalMs;
      sumOfSquares += (double) intervalMs * intervalMs;
    }

    double mean() {
      return sum / count;
    }

    double stdDev() {
      double mean = mean();
      return Math.sqrt(Math.max(0.0, sumOfSquares / count - mean * mean));
    }
  }
}
