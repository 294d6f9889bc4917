package io.geodatastore.cluster.testkit;

import io.geodatastore.cluster.Cancellable;
import io.geodatastore.cluster.ClusterMessage;
import io.geodatastore.cluster.Env;
import io.geodatastore.cluster.NodeAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * A deterministic network and clock for cluster tests: one thread, one event queue in simulated
 * milliseconds, one seed. Links have a latency (by region pair, plus jitter and per-node extra) and
 * a loss probability (per node, applied to everything it sends or receives); nodes can be put on
 * islands (partitions) and crashed (their timers and inbound messages vanish) and registered again
 * at the same address (a restart). The same seed replays exactly.
 */
public final class SimNetwork {

  /** Arbitrary wall-clock origin, so that wall time looks like a date. */
  public static final long WALL_CLOCK_ORIGIN_MS = 1_700_000_000_000L;

  private record Event(long atMs, long order, Runnable action) {}

  private static final class Endpoint {
    final NodeAddress address;
    final String region;
    final Consumer<ClusterMessage> handler;
    final RandomGenerator random;
    boolean up = true;

    Endpoint(NodeAddress address, String region, Consumer<ClusterMessage> handler, long seed) {
      this.address = address;
      this.region = region;
      this.handler = handler;
      this.random = new SplittableRandom(seed);
    }
  }

  private final PriorityQueue<Event> queue =
      new PriorityQueue<>(
          (a, b) ->
              a.atMs != b.atMs ? Long.compare(a.atMs, b.atMs) : Long.compare(a.order, b.order));
  private final SplittableRandom random;
  private final Map<NodeAddress, Endpoint> endpoints = new HashMap<>();
  private final Map<NodeAddress, Double> lossByNode = new HashMap<>();
  private final Map<NodeAddress, Long> extraLatencyByNode = new HashMap<>();
  private final Map<NodeAddress, Integer> island = new HashMap<>();
  private long nowMs;
  private long order;
  private long delivered;
  private long dropped;

  private long sameRegionLatencyMs = 1;
  private long crossRegionLatencyMs = 30;
  private long jitterMs = 5;

  public SimNetwork(long seed) {
    this.random = new SplittableRandom(seed);
  }

  public SimNetwork latencies(long sameRegionMs, long crossRegionMs, long jitterMs) {
    this.sameRegionLatencyMs = sameRegionMs;
    this.crossRegionLatencyMs = crossRegionMs;
    this.jitterMs = jitterMs;
    return this;
  }

  public long nowMs() {
    return nowMs;
  }

  public long delivered() {
    return delivered;
  }

  public long dropped() {
    return dropped;
  }

  /**
   * Attaches a node at {@code address}, replacing (restarting) whatever was there: the old
   * instance's timers never fire again. Returns the node's Env.
   */
  public Env attach(NodeAddress address, String region, Consumer<ClusterMessage> handler) {
    Endpoint old = endpoints.get(address);
    if (old != null) {
      old.up = false;
    }
    Endpoint ep = new Endpoint(address, region, handler, random.nextLong());
    endpoints.put(address, ep);
    return new NodeEnv(ep);
  }

  /** The node stops: it sends nothing, receives nothing and its timers never fire. */
  public void crash(NodeAddress address) {
    endpoints.get(address).up = false;
  }

  public boolean isUp(NodeAddress address) {
    Endpoint ep = endpoints.get(address);
    return ep != null && ep.up;
  }

  /** Every message from or to {@code address} is lost with this probability. */
  public void loss(NodeAddress address, double probability) {
    lossByNode.put(address, probability);
  }

  /** Every message from or to {@code address} takes this much longer. */
  public void extraLatency(NodeAddress address, long ms) {
    extraLatencyByNode.put(address, ms);
  }

  /** Puts the nodes on an island: they talk to each other only (until {@link #heal}). */
  public void isolate(Set<NodeAddress> nodes) {
    int id = 1 + island.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    for (NodeAddress a : nodes) {
      island.put(a, id);
    }
  }

  /** Removes every partition, loss and extra latency. */
  public void heal() {
    island.clear();
    lossByNode.clear();
    extraLatencyByNode.clear();
  }

  private boolean connected(NodeAddress a, NodeAddress b) {
    return island.getOrDefault(a, 0).equals(island.getOrDefault(b, 0));
  }

  private void send(Endpoint from, NodeAddress to, ClusterMessage msg) {
    if (!from.up) {
      return;
    }
    double loss =
        1
            - (1 - lossByNode.getOrDefault(from.address, 0.0))
                * (1 - lossByNode.getOrDefault(to, 0.0));
    if (!connected(from.address, to) || random.nextDouble() < loss) {
      dropped++;
      return;
    }
    Endpoint target = endpoints.get(to);
    boolean sameRegion = target != null && target.region.equals(from.region);
    long latency =
        (sameRegion ? sameRegionLatencyMs : crossRegionLatencyMs)
            + (jitterMs > 0 ? random.nextLong(jitterMs + 1) : 0)
            + extraLatencyByNode.getOrDefault(from.address, 0L)
            + extraLatencyByNode.getOrDefault(to, 0L);
    NodeAddress fromAddress = from.address;
    at(
        nowMs + latency,
        () -> {
          Endpoint now = endpoints.get(to);
          if (now == null || !now.up || !connected(fromAddress, to)) {
            dropped++;
            return;
          }
          delivered++;
          now.handler.accept(msg);
        });
  }

  private Cancellable at(long atMs, Runnable action) {
    boolean[] cancelled = {false};
    queue.add(
        new Event(
            atMs,
            order++,
            () -> {
              if (!cancelled[0]) {
                action.run();
              }
            }));
    return () -> cancelled[0] = true;
  }

  /** Runs every event up to and including {@code nowMs() + ms}. */
  public void runFor(long ms) {
    long until = nowMs + ms;
    while (!queue.isEmpty() && queue.peek().atMs <= until) {
      Event e = queue.poll();
      nowMs = e.atMs;
      e.action.run();
    }
    nowMs = until;
  }

  /**
   * Runs until {@code done} holds (checked every {@code checkEveryMs}) or {@code maxMs} passed.
   * Returns whether it holds.
   */
  public boolean runUntil(BooleanSupplier done, long checkEveryMs, long maxMs) {
    long until = nowMs + maxMs;
    while (nowMs < until) {
      if (done.getAsBoolean()) {
        return true;
      }
      runFor(Math.min(checkEveryMs, until - nowMs));
    }
    return done.getAsBoolean();
  }

  /** Addresses currently attached and up. */
  public Set<NodeAddress> upNodes() {
    Set<NodeAddress> up = new HashSet<>();
    for (Endpoint ep : endpoints.values()) {
      if (ep.up) {
        up.add(ep.address);
      }
    }
    return up;
  }

  private final class NodeEnv implements Env {
    private final Endpoint ep;

    NodeEnv(Endpoint ep) {
      this.ep = ep;
    }

    @Override
    public long nowMs() {
      return nowMs;
    }

    @Override
    public long wallClockMs() {
      return WALL_CLOCK_ORIGIN_MS + nowMs;
    }

    @Override
    public void send(NodeAddress to, ClusterMessage msg) {
      SimNetwork.this.send(ep, to, msg);
    }

    @Override
    public Cancellable schedule(long delayMs, Runnable task) {
      if (delayMs < 0) {
        throw new IllegalArgumentException("delayMs must not be negative, got " + delayMs);
      }
      return at(
          nowMs + delayMs,
          () -> {
            if (ep.up) {
              task.run();
            }
          });
    }

    @Override
    public RandomGenerator random() {
      return ep.random;
    }
  }
}
