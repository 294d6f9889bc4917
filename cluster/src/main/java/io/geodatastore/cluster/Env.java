package io.geodatastore.cluster;

import java.util.random.RandomGenerator;

/**
 * Everything a cluster state machine may ask of the world: time, timers, randomness and the
 * network. The {@code node} module implements it with a system clock, a single-threaded executor
 * and gRPC; the simulator with a virtual clock, an event queue and a seeded generator.
 *
 * <p><b>Threading.</b> Every callback into a state machine driven by one {@code Env} (a message
 * delivered to it, a task run by {@link #schedule}) runs on one logical thread per node: the node
 * runs them on a single-threaded executor, the simulator runs the whole cluster in one thread.
 * State machines are therefore not thread-safe and take no locks; callers from other threads (an
 * HTTP handler reading the view, say) must hop onto that executor first.
 */
public interface Env {

  /**
   * Monotonic milliseconds for timers and intervals: never goes backwards, has no relation to the
   * date. Only differences between two readings mean anything.
   */
  long nowMs();

  /**
   * The wall clock in milliseconds since the epoch, for hybrid logical clocks and for values that
   * must outlive the process (a starting incarnation). It may jump and may be skewed on purpose
   * (fault injection); never use it to measure an interval.
   */
  long wallClockMs();

  /**
   * Sends a message to the peer listening at {@code to}, best effort: it may be lost, delayed,
   * duplicated or reordered, and nothing reports a failure. Never blocks and never calls back into
   * the sender synchronously.
   */
  void send(NodeAddress to, ClusterMessage msg);

  /**
   * Runs {@code task} on this node's logical thread after at least {@code delayMs} milliseconds.
   *
   * @param delayMs zero or more
   */
  Cancellable schedule(long delayMs, Runnable task);

  /** This node's source of randomness: seeded in simulation, so choices replay exactly. */
  RandomGenerator random();
}
