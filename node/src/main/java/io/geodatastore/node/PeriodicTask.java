package io.geodatastore.node;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task run every interval (the first time one interval after start) on a daemon thread of its
 * own, never on the cluster's logical thread nor an event loop, which it would hold up. A run that
 * is still going delays the next one rather than overlapping it.
 */
final class PeriodicTask implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PeriodicTask.class);

  private final String name;
  private final ScheduledExecutorService executor;

  /**
   * @param name the thread's name, also in the log
   * @param priority the thread's priority ({@link Thread#MIN_PRIORITY} for work that may wait)
   */
  PeriodicTask(String name, int priority, long intervalMs, Runnable task) {
    if (intervalMs < 1) {
      throw new IllegalArgumentException(
          name + ": the interval must be positive, got " + intervalMs);
    }
    this.name = name;
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, name);
              t.setDaemon(true);
              t.setPriority(priority);
              return t;
            });
    executor.scheduleWithFixedDelay(task, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
  }

  /**
   * Stops the timer and waits briefly for a run in progress (the store's close stops it anyway).
   */
  @Override
  public void close() {
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        log.warn("{} still running after 5 s; the store's close waits for it", name);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
