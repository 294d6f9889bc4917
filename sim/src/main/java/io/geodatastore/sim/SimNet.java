package io.geodatastore.sim;

import io.geodatastore.cluster.AntiEntropyMessage;
import io.geodatastore.cluster.Cancellable;
import io.geodatastore.cluster.ClusterMessage;
import io.geodatastore.cluster.Env;
import io.geodatastore.cluster.MembershipMessage;
import io.geodatastore.cluster.NodeAddress;
import io.geodatastore.cluster.RecordMessage;
import io.geodatastore.cluster.ReplicationMessage;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * The simulator's network, clocks and timers: one thread, one event queue in simulated
 * milliseconds, one seed. It extends what the cluster test kit's {@code SimNetwork} does with what
 * a whole-cluster simulation needs:
 *
 * <ul>
 *   <li>latency per region pair (a symmetric matrix) plus jitter;
 *   <li>loss (everywhere, and per node for loss bursts), duplication, and reordering (a message is
 *       held back by up to {@code reorderMaxMs} with some probability);
 *   <li>partitions as islands, healed all at once;
 *   <li>crashes (a node's timers and inbound messages vanish) and restarts at the same address;
 *   <li>a wall clock per node, skewed by a per-machine offset that survives restarts, so hybrid
 *       logical clocks and last-writer-wins see disagreeing clocks;
 *   <li>a trace hash over every delivery, drop and workload step, so two runs of one seed can be
 *       compared cheaply.
 * </ul>
 *
 * The same seed replays exactly: every random choice comes from generators split off the seed in a
 * fixed order, and events at equal times run in the order they were scheduled.
 */
public final class SimNet {

  /** Arbitrary wall-clock origin, so that wall time looks like a date. */
  public static final long WALL_CLOCK_ORIGIN_MS = 1_700_000_000_000L;

  private record Event(long atMs, long order, Runnable action) {}

  private static final class Endpoint {
    final NodeAddress address;
    final int region;
    final Consumer<ClusterMessage> handler;
    final RandomGenerator random;
    boolean up = true;

    Endpoint(NodeAddress address, int region, Consumer<ClusterMessage> handler, long seed) {
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
  private final long[][] latencyMs;
  private final Map<NodeAddress, Endpoint> endpoints = new HashMap<>();
  private final Map<NodeAddress, Double> lossByNode = new HashMap<>();
  private final Map<NodeAddress, Integer> island = new HashMap<>();
  private final Map<NodeAddress, Long> skewMs = new HashMap<>();
  private DropRule dropRule;
  private long jitterMs = 3;
  private double loss;
  private double duplication;
  private double reordering;
  private long reorderMaxMs = 50;
  private long nowMs;
  private long order;
  private long delivered;
  private long dropped;
  private long duplicated;
  private long trace = 0xcbf29ce484222325L;

  /**
   * @param seed the one seed of every network choice
   * @param latencyMs one-way latency between regions i and j (symmetric, diagonal within a region)
   */
  public SimNet(long seed, long[][] latencyMs) {
    this.random = new SplittableRandom(seed);
    this.latencyMs = latencyMs;
  }

  public SimNet jitter(long ms) {
    this.jitterMs = ms;
    return this;
  }

  /** Background faults that stay on until {@link #heal}: loss, duplication, reordering. */
  public SimNet background(double loss, double duplication, double reordering, long reorderMaxMs) {
    this.loss = loss;
    this.duplication = duplication;
    this.reordering = reordering;
    this.reorderMaxMs = reorderMaxMs;
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

  public long duplicated() {
    return duplicated;
  }

  /** A hash of everything that happened so far: equal for two runs of one seed. */
  public long traceHash() {
    return trace;
  }

  /** Mixes a workload or fault step into the trace. */
  public void trace(String what) {
    mix(nowMs);
    mix(what.hashCode());
  }

  private void mix(long v) {
    trace ^= v;
    trace *= 0x100000001b3L;
    trace ^= trace >>> 29;
  }

  /**
   * Attaches a node at {@code address}, replacing (restarting) whatever was there: the old
   * instance's timers never fire again. Returns the node's Env.
   */
  public Env attach(NodeAddress address, int region, Consumer<ClusterMessage> handler) {
    Endpoint old = endpoints.get(address);
    if (old != null) {
      old.up = false;
    }
    Endpoint ep = new Endpoint(address, region, handler, random.nextLong());
    endpoints.put(address, ep);
    trace("attach " + address);
    return new NodeEnv(ep);
  }

  /** The node stops: it sends nothing, receives nothing and its timers never fire. */
  public void crash(NodeAddress address) {
    endpoints.get(address).up = false;
    trace("crash " + address);
  }

  public boolean isUp(NodeAddress address) {
    Endpoint ep = endpoints.get(address);
    return ep != null && ep.up;
  }

  /** The machine clock of {@code address} runs {@code ms} ahead (negative: behind). */
  public void skew(NodeAddress address, long ms) {
    skewMs.put(address, ms);
  }

  /** Every message from or to {@code address} is lost with this probability, until healed. */
  public void lossBurst(NodeAddress address, double probability) {
    lossByNode.put(address, probability);
    trace("loss " + address + " " + probability);
  }

  /** Puts the nodes on an island: they talk to each other only (until {@link #heal}). */
  public void isolate(List<NodeAddress> nodes) {
    int id = 1 + island.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    for (NodeAddress a : nodes) {
      island.put(a, id);
    }
    trace("isolate " + nodes);
  }

  /** Decides which messages a scenario loses on purpose, whatever else the network does. */
  @FunctionalInterface
  public interface DropRule {
    boolean drops(NodeAddress from, NodeAddress to, ClusterMessage msg);
  }

  /**
   * Loses every message {@code rule} picks, until it is replaced ({@code null}: none); healing
   * leaves it in place (it is the scenario, not a fault that comes and goes).
   */
  public void dropWhere(DropRule rule) {
    this.dropRule = rule;
    trace("drop rule " + (rule != null));
  }

  /** Removes every partition and loss burst; background faults stay. */
  public void healPartitions() {
    island.clear();
    lossByNode.clear();
    trace("heal partitions");
  }

  /** Removes every partition, loss burst and background fault. */
  public void heal() {
    healPartitions();
    loss = 0;
    duplication = 0;
    reordering = 0;
    trace("heal");
  }

  /** Whether messages between the two can get through (same island; loss aside). */
  public boolean reachable(NodeAddress a, NodeAddress b) {
    return isUp(a) && isUp(b) && connected(a, b);
  }

  private boolean connected(NodeAddress a, NodeAddress b) {
    return island.getOrDefault(a, 0).equals(island.getOrDefault(b, 0));
  }

  private void send(Endpoint from, NodeAddress to, ClusterMessage msg) {
    if (!from.up) {
      return;
    }
    double lossHere =
        1
            - (1 - loss)
                * (1 - lossByNode.getOrDefault(from.address, 0.0))
                * (1 - lossByNode.getOrDefault(to, 0.0));
    if (dropRule != null && dropRule.drops(from.address, to, msg)) {
      dropped++;
      mix(-3);
      return;
    }
    if (!connected(from.address, to) || random.nextDouble() < lossHere) {
      dropped++;
      mix(-1);
      return;
    }
    int copies = random.nextDouble() < duplication ? 2 : 1;
    duplicated += copies - 1;
    for (int i = 0; i < copies; i++) {
      Endpoint target = endpoints.get(to);
      long latency = target == null ? 1 : latencyMs[from.region][target.region];
      latency += jitterMs > 0 ? random.nextLong(jitterMs + 1) : 0;
      if (random.nextDouble() < reordering) {
        latency += random.nextLong(reorderMaxMs + 1);
      }
      NodeAddress fromAddress = from.address;
      at(nowMs + latency, () -> deliver(fromAddress, to, msg));
    }
  }

  private void deliver(NodeAddress from, NodeAddress to, ClusterMessage msg) {
    Endpoint now = endpoints.get(to);
    if (now == null || !now.up || !connected(from, to)) {
      dropped++;
      mix(-2);
      return;
    }
    delivered++;
    mix(nowMs);
    mix(from.hashCode() * 31L + to.hashCode());
    mix(summary(msg));
    now.handler.accept(msg);
  }

  private static long summary(ClusterMessage msg) {
    return switch (msg) {
      case ReplicationMessage.DeltaBatch b ->
          31L * b.origin().hashCode() + b.lastSequence() * 7 + b.skipTo() + b.entries().size();
      case ReplicationMessage.BatchAck a -> 37L * a.origin().hashCode() + a.appliedThrough();
      case ReplicationMessage.StreamProbe p -> 41L * p.origin().hashCode();
      case ReplicationMessage.StabilityReport r ->
          43L * r.replica().hashCode() + r.stable() * 11 + r.horizon().total();
      case MembershipMessage m -> m.toString().hashCode();
      case RecordMessage.FetchRecords f -> 43L * f.requestId() + f.keys().size();
      case RecordMessage.Records r -> 47L * r.requestId() + r.found().size();
      case RecordMessage.PushRecords p -> 53L * p.requestId() + p.records().size();
      case RecordMessage.PushAck a -> 59L * a.requestId() + a.changed();
      case AntiEntropyMessage.TreeRequest t -> 61L * t.requestId() + t.root();
      case AntiEntropyMessage.TreeReply t -> 67L * t.requestId() + t.root() + t.branches().size();
      case AntiEntropyMessage.LeavesRequest l -> 71L * l.requestId() + l.branches().hashCode();
      case AntiEntropyMessage.LeavesReply l -> 73L * l.requestId() + l.leaves().hashCode();
      case AntiEntropyMessage.KeysRequest k -> 79L * k.requestId() + k.leaves().hashCode();
      case AntiEntropyMessage.KeysReply k -> 83L * k.requestId() + k.keys().size();
      case AntiEntropyMessage.LeafRecordsRequest l -> 89L * l.requestId() + l.leaves().hashCode();
      case AntiEntropyMessage.LeafRecords l -> 97L * l.requestId() + l.records().size();
      case AntiEntropyMessage.ExchangeDone d -> 101L * d.requestId() + d.complete().size();
    };
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
      return WALL_CLOCK_ORIGIN_MS + nowMs + skewMs.getOrDefault(ep.address, 0L);
    }

    @Override
    public void send(NodeAddress to, ClusterMessage msg) {
      SimNet.this.send(ep, to, msg);
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
