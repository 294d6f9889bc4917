package io.geodatastore.node.cluster;

import io.geodatastore.cluster.Cancellable;
import io.geodatastore.cluster.ClusterMessage;
import io.geodatastore.cluster.Env;
import io.geodatastore.cluster.NodeAddress;
import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real {@link Env}: one single-threaded scheduled executor is the node's logical thread (every
 * call into membership and replication, and every callback from them, runs on it); monotonic time
 * from {@link System#nanoTime()}; the wall clock of the store (system time plus the fault-injected
 * offset); randomness seeded from {@link SecureRandom}; messages handed to the transport.
 */
public final class NodeEnv implements Env, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(NodeEnv.class);

  private final ScheduledExecutorService executor;
  private final LongSupplier wallClockMs;
  private final long originNanos = System.nanoTime();
  private final RandomGenerator random = new SplittableRandom(new SecureRandom().nextLong());
  private volatile BiConsumer<NodeAddress, ClusterMessage> sender = (to, msg) -> {};
  private volatile Thread thread;

  public NodeEnv(String nodeId, LongSupplier wallClockMs) {
    this.wallClockMs = wallClockMs;
    ScheduledThreadPoolExecutor ex =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "geods-cluster-" + nodeId);
              t.setDaemon(true);
              thread = t;
              return t;
            });
    ex.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    ex.setRemoveOnCancelPolicy(true);
    this.executor = ex;
  }

  /** Where {@link #send} hands messages (the transport); set once before the cluster starts. */
  public void sender(BiConsumer<NodeAddress, ClusterMessage> sender) {
    this.sender = sender;
  }

  @Override
  public long nowMs() {
    return (System.nanoTime() - originNanos) / 1_000_000;
  }

  @Override
  public long wallClockMs() {
    return wallClockMs.getAsLong();
  }

  @Override
  public void send(NodeAddress to, ClusterMessage msg) {
    try {
      sender.accept(to, msg);
    } catch (RuntimeException e) {
      log.warn("sending {} to {} failed: {}", msg.getClass().getSimpleName(), to, e.toString());
    }
  }

  @Override
  public Cancellable schedule(long delayMs, Runnable task) {
    try {
      ScheduledFuture<?> f =
          executor.schedule(guarded(task), Math.max(0, delayMs), TimeUnit.MILLISECONDS);
      return () -> f.cancel(false);
    } catch (RejectedExecutionException e) {
      return () -> {};
    }
  }

  @Override
  public RandomGenerator random() {
    return random;
  }

  /** Runs {@code task} on the logical thread soon; dropped once the env is closed. */
  public void post(Runnable task) {
    try {
      executor.execute(guarded(task));
    } catch (RejectedExecutionException e) {
      log.debug("the cluster thread is stopped; a task was dropped");
    }
  }

  /** Runs {@code f} on the logical thread and completes with its result. */
  public <T> CompletableFuture<T> call(Supplier<T> f) {
    CompletableFuture<T> out = new CompletableFuture<>();
    try {
      executor.execute(
          () -> {
            try {
              out.complete(f.get());
            } catch (RuntimeException e) {
              out.completeExceptionally(e);
            }
          });
    } catch (RejectedExecutionException e) {
      out.completeExceptionally(new IllegalStateException("the node is stopping", e));
    }
    return out;
  }

  /** Whether the caller runs on the logical thread. */
  public boolean onThread() {
    return Thread.currentThread() == thread;
  }

  private static Runnable guarded(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        log.error("a cluster task failed", e);
      }
    };
  }

  @Override
  public void close() {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(2, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
