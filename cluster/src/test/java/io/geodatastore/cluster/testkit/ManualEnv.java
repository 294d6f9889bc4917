package io.geodatastore.cluster.testkit;

import io.geodatastore.cluster.Cancellable;
import io.geodatastore.cluster.ClusterMessage;
import io.geodatastore.cluster.Env;
import io.geodatastore.cluster.NodeAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * An Env for driving one state machine by hand: sent messages are recorded, not delivered, and
 * scheduled tasks run when the test advances the clock.
 */
public final class ManualEnv implements Env {

  /** One message the state machine sent. */
  public record Sent(long atMs, NodeAddress to, ClusterMessage msg) {}

  private static final class Task {
    final long atMs;
    final long order;
    final Runnable run;
    boolean cancelled;

    Task(long atMs, long order, Runnable run) {
      this.atMs = atMs;
      this.order = order;
      this.run = run;
    }
  }

  private final PriorityQueue<Task> tasks =
      new PriorityQueue<>(
          (a, b) ->
              a.atMs != b.atMs ? Long.compare(a.atMs, b.atMs) : Long.compare(a.order, b.order));
  private final List<Sent> sent = new ArrayList<>();
  private final RandomGenerator random;
  private long nowMs;
  private long order;

  public ManualEnv(long seed) {
    this.random = new SplittableRandom(seed);
  }

  @Override
  public long nowMs() {
    return nowMs;
  }

  @Override
  public long wallClockMs() {
    return SimNetwork.WALL_CLOCK_ORIGIN_MS + nowMs;
  }

  @Override
  public void send(NodeAddress to, ClusterMessage msg) {
    sent.add(new Sent(nowMs, to, msg));
  }

  @Override
  public Cancellable schedule(long delayMs, Runnable task) {
    Task t = new Task(nowMs + delayMs, order++, task);
    tasks.add(t);
    return () -> t.cancelled = true;
  }

  @Override
  public RandomGenerator random() {
    return random;
  }

  /** Advances the clock by {@code ms}, running every task due on the way. */
  public void advance(long ms) {
    long until = nowMs + ms;
    while (!tasks.isEmpty() && tasks.peek().atMs <= until) {
      Task t = tasks.poll();
      nowMs = t.atMs;
      if (!t.cancelled) {
        t.run.run();
      }
    }
    nowMs = until;
  }

  /** Every message sent so far, oldest first. */
  public List<Sent> sent() {
    return List.copyOf(sent);
  }

  /** Returns and forgets the messages sent so far. */
  public List<Sent> drain() {
    List<Sent> out = List.copyOf(sent);
    sent.clear();
    return out;
  }

  /** How many tasks are scheduled and not yet run (cancelled ones included). */
  public int pendingTasks() {
    return tasks.size();
  }
}
