package io.geodatastore.sim;

import io.geodatastore.cluster.NodeAddress;
import io.geodatastore.cluster.ReplicationMessage;
import io.geodatastore.cluster.coordination.ReadLevel;
import io.geodatastore.cluster.membership.MembershipOptions;
import io.geodatastore.cluster.repair.AntiEntropyOptions;
import io.geodatastore.cluster.repair.ExchangeReport;
import io.geodatastore.cluster.replication.ReplicationOptions;
import io.geodatastore.core.causal.DotContext;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.MvRegister;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.Epoch;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.ReadResult;
import io.geodatastore.storage.WriteResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * One seeded run of a whole cluster: start it, issue a random workload over all seven types at
 * random up nodes while faults come and go (region partitions, crashes and restarts, loss bursts,
 * with background loss, duplication and reordering and skewed clocks throughout), then heal
 * everything, run to quiescence and check the {@link Invariants}. Merkle-tree anti-entropy runs in
 * every node all along, as in a real one; a {@link Scenario} may make the replicas diverge in ways
 * only it repairs. Throughout the run, after every merge at every replica, the {@link
 * CausalityCheck} checks that no replica shows a chain write without the chain writes its writer
 * had seen (chain writes: a share of the workload that reads a few G-Set keys at a node and adds a
 * unique element to one of them).
 *
 * <p>Everything random comes from the seed, so {@link #run} of the same options gives the same
 * trace hash, and a failing seed replays exactly.
 */
public final class Simulation {

  /**
   * What to simulate.
   *
   * @param seed the one seed
   * @param regions regions
   * @param nodesPerRegion nodes in each region
   * @param operations client operations in the workload
   * @param workloadMs simulated time the workload (and its faults) is spread over
   * @param keysPerType keys of each of the seven types
   * @param chainKeys G-Set keys of the chain writes
   * @param chainPercent the share of the operations that are chain writes, in percent
   * @param faults whether partitions, crashes and loss bursts are injected
   * @param loss background loss probability of every message
   * @param duplication background duplication probability
   * @param reordering probability that a message is held back by up to 100 ms
   * @param clockSkewMaxMs each machine's clock is off by up to this much either way
   * @param hlcMaxOffsetMs the replicas' HLC clamp
   * @param quiescenceMaxMs how long the healed cluster may take to converge
   * @param replication the delta streams' options
   * @param sessions client sessions that write and read at every level beside the workload (see
   *     {@link SessionHistory})
   * @param sessionGuarantees whether session and causal reads honour the session token; off, they
   *     read the node's records at once (to show that the checks can fail)
   * @param gcIntervalMs every node collects under its causal-stability horizon this often (0:
   *     never)
   * @param deletePercent share of operations that are deletes
   * @param merkle the Merkle-tree anti-entropy every node runs, on its own timers as in a real
   *     node: the only repair of what the streams skipped
   * @param scenario what the run does beyond the random workload
   */
  public record Options(
      long seed,
      int regions,
      int nodesPerRegion,
      int operations,
      long workloadMs,
      int keysPerType,
      int chainKeys,
      int chainPercent,
      boolean faults,
      double loss,
      double duplication,
      double reordering,
      long clockSkewMaxMs,
      long hlcMaxOffsetMs,
      long quiescenceMaxMs,
      ReplicationOptions replication,
      int sessions,
      boolean sessionGuarantees,
      long gcIntervalMs,
      int deletePercent,
      AntiEntropyOptions merkle,
      Scenario scenario) {

    /** 3 regions × 3 nodes, 150 operations over 6 s, every fault on, GC every 700 ms. */
    public static Options defaults(long seed) {
      return new Builder().seed(seed).build();
    }

    /**
     * Deletes and re-creates often, logs retained for only 10 entries (so a stream skips past a
     * node that is down or cut off, leaving it a hole), GC every 150 ms, and the Merkle exchange
     * repairing the holes: deleted keys must never come back.
     */
    public static Options deletesAndSkips(long seed) {
      return defaults(seed).toBuilder()
          .operations(400)
          .workloadMs(8_000)
          .chainPercent(0)
          .replication(new ReplicationOptions(4, 4_096, 2, 8, 400, 10, 50))
          .sessions(0)
          .gcIntervalMs(150)
          .deletePercent(30)
          .build();
    }

    public Options withSeed(long s) {
      return toBuilder().seed(s).build();
    }

    /** These options with session reads that ignore the token (the checks must catch it). */
    public Options withoutSessionGuarantees() {
      return toBuilder().sessionGuarantees(false).build();
    }

    /** These options for {@code s}: no random faults, and the logs' options {@code r}. */
    public Options withScenario(Scenario s, ReplicationOptions r) {
      return toBuilder().faults(false).replication(r).scenario(s).build();
    }

    /** These options with other delta-stream options. */
    public Options withReplication(ReplicationOptions r) {
      return toBuilder().replication(r).build();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
      Builder b = new Builder();
      b.seed = seed;
      b.regions = regions;
      b.nodesPerRegion = nodesPerRegion;
      b.operations = operations;
      b.workloadMs = workloadMs;
      b.keysPerType = keysPerType;
      b.chainKeys = chainKeys;
      b.chainPercent = chainPercent;
      b.faults = faults;
      b.loss = loss;
      b.duplication = duplication;
      b.reordering = reordering;
      b.clockSkewMaxMs = clockSkewMaxMs;
      b.hlcMaxOffsetMs = hlcMaxOffsetMs;
      b.quiescenceMaxMs = quiescenceMaxMs;
      b.replication = replication;
      b.sessions = sessions;
      b.sessionGuarantees = sessionGuarantees;
      b.gcIntervalMs = gcIntervalMs;
      b.deletePercent = deletePercent;
      b.merkle = merkle;
      b.scenario = scenario;
      return b;
    }

    /**
     * Mutable; every field starts at its default ({@link #defaults}). Setters exist for what the
     * variants and tests change.
     */
    public static final class Builder {
      private long seed;
      private int regions = 3;
      private int nodesPerRegion = 3;
      private int operations = 150;
      private long workloadMs = 6_000;
      private int keysPerType = 2;
      private int chainKeys = 3;
      private int chainPercent = 25;
      private boolean faults = true;
      private double loss = 0.01;
      private double duplication = 0.02;
      private double reordering = 0.05;
      private long clockSkewMaxMs = 1_500;
      private long hlcMaxOffsetMs = 1_000;
      private long quiescenceMaxMs = 120_000;
      private ReplicationOptions replication =
          new ReplicationOptions(8, 4_096, 2, 32, 400, 100_000, 50);
      private int sessions = 4;
      private boolean sessionGuarantees = true;
      private long gcIntervalMs = 700;
      private int deletePercent = 8;
      private AntiEntropyOptions merkle = MERKLE;
      private Scenario scenario = new Scenario.Random();

      private Builder() {}

      public Builder seed(long v) {
        seed = v;
        return this;
      }

      public Builder operations(int v) {
        operations = v;
        return this;
      }

      public Builder workloadMs(long v) {
        workloadMs = v;
        return this;
      }

      public Builder chainPercent(int v) {
        chainPercent = v;
        return this;
      }

      public Builder faults(boolean v) {
        faults = v;
        return this;
      }

      public Builder replication(ReplicationOptions v) {
        replication = v;
        return this;
      }

      public Builder sessions(int v) {
        sessions = v;
        return this;
      }

      public Builder sessionGuarantees(boolean v) {
        sessionGuarantees = v;
        return this;
      }

      public Builder gcIntervalMs(long v) {
        gcIntervalMs = v;
        return this;
      }

      public Builder deletePercent(int v) {
        deletePercent = v;
        return this;
      }

      public Builder scenario(Scenario v) {
        scenario = v;
        return this;
      }

      public Options build() {
        return new Options(
            seed,
            regions,
            nodesPerRegion,
            operations,
            workloadMs,
            keysPerType,
            chainKeys,
            chainPercent,
            faults,
            loss,
            duplication,
            reordering,
            clockSkewMaxMs,
            hlcMaxOffsetMs,
            quiescenceMaxMs,
            replication,
            sessions,
            sessionGuarantees,
            gcIntervalMs,
            deletePercent,
            merkle,
            scenario);
      }
    }
  }

  /** Merkle-tree anti-entropy in the simulator: rounds every 1.5 s in a region, 4 s across. */
  static final AntiEntropyOptions MERKLE =
      AntiEntropyOptions.defaults()
          .withIntervals(1_500, 4_000)
          // Longer than any fault of a run lasts: a forced merge (the wait ran out) may show an
          // update before what it depends on, which the causality check would rightly report.
          .withCausalWaitMs(20_000)
          .withTimeouts(1_000, 500);

  /** What a run does to the replicas beyond its random workload and faults. */
  public sealed interface Scenario {

    /** Only the random workload and faults. */
    record Random() implements Scenario {}

    /**
     * Every delta batch to node {@code node} is lost, from start to end (healing does not end it):
     * only anti-entropy brings it the other nodes' writes, and its own reach them only by their
     * streams.
     */
    record DeltasLostTo(int node) implements Scenario {}

    /**
     * Region {@code region} is cut off from the others for the whole workload, longer than the logs
     * keep entries: after healing, the streams skip what was trimmed, and anti-entropy must fill
     * the holes on both sides (and cover them, so that horizons move again).
     */
    record RegionCutOff(int region) implements Scenario {}
  }

  /**
   * What a run found.
   *
   * @param seed its seed
   * @param traceHash a hash of every event: equal for two runs of one seed
   * @param violations every invariant violated (empty: the run is correct)
   * @param summary figures of the run, one line
   * @param sessionReads the sessions' reads by level and how they were served ({@code
   *     quorum.merged}, {@code session.fetched}, {@code all.failed}, …) and writes by level
   */
  public record Report(
      long seed,
      long traceHash,
      List<String> violations,
      String summary,
      Map<String, Long> sessionReads) {
    public boolean ok() {
      return violations.isEmpty();
    }
  }

  private static final CrdtType[] TYPES = CrdtType.values();
  private static final int ELEMENTS = 5;

  private final Options options;
  private final SplittableRandom random;
  private final SimCluster cluster;
  private final SimNet net;
  private final History history = new History();
  private final Sessions sessions;
  private final CausalityCheck causality;
  private final Map<String, DotContext> staleContexts = new HashMap<>();
  private final TreeMap<Long, List<Runnable>> faultEnds = new TreeMap<>();
  private final List<String> running = new ArrayList<>();
  private int crashes;
  private int partitions;
  private int lossBursts;

  private Simulation(Options options) {
    this.options = options;
    this.random = new SplittableRandom(options.seed());
    this.cluster =
        new SimCluster(
            random.nextLong(),
            options.regions(),
            options.nodesPerRegion(),
            options.clockSkewMaxMs(),
            options.hlcMaxOffsetMs(),
            MembershipOptions.defaults(),
            options.replication(),
            options.merkle());
    this.net = cluster.net();
    List<KeyRef> chain = new ArrayList<>();
    for (int i = 0; i < options.chainKeys(); i++) {
      chain.add(KeyRef.of(CrdtType.G_SET.family(), "chain-" + i));
    }
    this.causality = new CausalityCheck(chain, cluster.nodes());
    for (SimNode n : cluster.nodes()) {
      n.replica().observeMerges(() -> causality.check(n, net.nowMs()));
    }
    this.sessions =
        new Sessions(
            new Sessions.Options(
                options.sessions(), 3, 1_000, 200, 1_000, options.sessionGuarantees()),
            cluster,
            random.split());
  }

  /** Runs one simulation and checks it. */
  public static Report run(Options options) {
    return new Simulation(options).execute();
  }

  private Report execute() {
    net.background(options.loss(), options.duplication(), options.reordering(), 100);
    cluster.nodes().forEach(n -> n.collectEvery(options.gcIntervalMs()));
    if (options.scenario() instanceof Scenario.DeltasLostTo d) {
      NodeAddress victim = cluster.node(d.node()).address();
      net.dropWhere(
          (from, to, msg) -> msg instanceof ReplicationMessage.DeltaBatch && to.equals(victim));
    }
    cluster.startAll(20);
    net.runFor(3_000);
    if (options.scenario() instanceof Scenario.RegionCutOff c) {
      net.isolate(cluster.region(c.region()).stream().map(SimNode::address).toList());
    }
    long gapMs = Math.max(1, options.workloadMs() / Math.max(1, options.operations()));
    for (int i = 0; i < options.operations(); i++) {
      advance(random.nextLong(2 * gapMs + 1));
      if (options.faults() && random.nextInt(100) < 4) {
        fault();
      }
      operation(i);
      sessions.step();
      if (random.nextBoolean()) {
        advance(random.nextLong(gapMs + 1));
        sessions.step();
      }
      checkWhileRunning(i % 10 == 0);
    }
    advance(2_000); // reads and acknowledgements in flight end, answered or timed out
    // Heal everything: partitions, loss, and every crashed node comes back.
    faultEnds.values().forEach(l -> l.forEach(Runnable::run));
    faultEnds.clear();
    net.heal();
    for (SimNode n : cluster.nodes()) {
      if (!n.isUp()) {
        n.start();
      }
    }
    long healedAtMs = net.nowMs();
    boolean quiet = false;
    while (net.nowMs() - healedAtMs < options.quiescenceMaxMs()) {
      if (quiescent()) {
        quiet = true;
        break;
      }
      net.runFor(100);
      checkWhileRunning(false);
    }
    checkWhileRunning(true);
    for (SimNode n : cluster.nodes()) {
      causality.check(n, net.nowMs());
    }
    List<String> violations = new ArrayList<>(running);
    violations.addAll(causality.violations());
    if (!quiet) {
      violations.add(
          "no quiescence within "
              + options.quiescenceMaxMs()
              + " ms of healing: replicated="
              + cluster.replicated()
              + ", holes="
              + Invariants.holes(cluster.nodes())
              + ", horizons settled="
              + Invariants.horizonsSettled(cluster.nodes()).isEmpty());
      violations.add("  replicas equal=" + Invariants.replicasEqual(cluster.nodes()).isEmpty());
      for (SimNode n : cluster.nodes()) {
        violations.add(
            "  "
                + n.id()
                + (n.isUp() ? " up" : " down")
                + " last "
                + n.replica().lastSequence()
                + " "
                + n.replication().stability()
                + " members "
                + Invariants.describeMembers(n));
      }
    }
    // The final collection: every tombstone and epoch is stable now.
    cluster.nodes().forEach(n -> n.replica().gc());
    violations.addAll(Invariants.membershipConverged(cluster.nodes()));
    switch (options.scenario()) {
      case Scenario.Random r -> {
        violations.addAll(Invariants.logsTrimmed(cluster.nodes()));
        if (logsOutlastRun()) {
          violations.addAll(Invariants.noCatchUp(cluster.nodes()));
        }
        violations.addAll(Invariants.horizonsSettled(cluster.nodes()));
        violations.addAll(Invariants.collected(cluster.nodes()));
      }
      case Scenario.DeltasLostTo d ->
          // The victim's streams never complete: its watermarks, and with them the horizon, stay.
          violations.addAll(Invariants.noDeltasReached(cluster.nodes(), d.node()));
      case Scenario.RegionCutOff c -> {
        violations.addAll(Invariants.logsTrimmed(cluster.nodes()));
        violations.addAll(Invariants.caughtUp(cluster.nodes()));
        violations.addAll(Invariants.horizonsSettled(cluster.nodes()));
        violations.addAll(Invariants.collected(cluster.nodes()));
      }
    }
    violations.addAll(Invariants.replicasEqual(cluster.nodes()));
    violations.addAll(Invariants.deletedStayDeleted(history, cluster.nodes()));
    violations.addAll(
        Invariants.history(
            history, cluster.node(0).replica().records(), cluster.node(0).replica().horizon()));
    violations.addAll(sessions.check(cluster.node(0)));
    Map<String, Long> sessionReads = new TreeMap<>(sessions.history().figures());
    for (SimNode n : cluster.nodes()) {
      for (ReadLevel level : ReadLevel.values()) {
        if (n.readRepairs(level) > 0) {
          sessionReads.merge("repairs." + level.label(), n.readRepairs(level), Long::sum);
        }
      }
    }
    long exchanges = 0;
    long repaired = 0;
    for (SimNode n : cluster.nodes()) {
      for (ExchangeReport e : n.exchanges()) {
        exchanges++;
        repaired += e.keysRepaired();
      }
    }
    String summary =
        String.format(
            "seed %d: %d ops (%d chain writes) and %d session ops, %d crashes, %d partitions, %d"
                + " loss bursts, %d anti-entropy exchanges repairing %d keys, %d"
                + " tombstones collected; %d delivered, %d dropped, %d duplicated; %d entries"
                + " held for dependencies; quiet %d ms after healing at t=%d ms; session reads and"
                + " writes %s",
            options.seed(),
            history.size(),
            causality.writes(),
            sessions.history().size(),
            crashes,
            partitions,
            lossBursts,
            exchanges,
            repaired,
            cluster.nodes().stream().mapToLong(n -> n.replica().tombstonesDropped()).sum(),
            net.delivered(),
            net.dropped(),
            net.duplicated(),
            cluster.nodes().stream().mapToLong(SimNode::entriesHeldForDeps).sum(),
            net.nowMs() - healedAtMs,
            healedAtMs,
            sessionReads);
    return new Report(
        options.seed(), net.traceHash(), List.copyOf(violations), summary, sessionReads);
  }

  /** Whether the healed cluster has settled as far as the scenario lets it. */
  private boolean quiescent() {
    if (!Invariants.membershipConverged(cluster.nodes()).isEmpty()) {
      return false;
    }
    return switch (options.scenario()) {
      case Scenario.Random r -> settled();
      case Scenario.DeltasLostTo d -> Invariants.replicasEqual(cluster.nodes()).isEmpty();
      case Scenario.RegionCutOff c ->
          settled() && Invariants.replicasEqual(cluster.nodes()).isEmpty();
    };
  }

  private boolean settled() {
    return cluster.replicated()
        && Invariants.logsTrimmed(cluster.nodes()).isEmpty()
        && Invariants.holes(cluster.nodes()) == 0
        && Invariants.horizonsSettled(cluster.nodes()).isEmpty();
  }

  /**
   * Whether every log keeps more entries than the whole run wrote: then no stream may have skipped
   * past a peer, and any catch-up is a bug rather than a repair.
   */
  private boolean logsOutlastRun() {
    return options.replication().retentionEntriesMax()
        > (long) history.size() + sessions.history().size();
  }

  /** The safety checks that hold at every moment, not only after healing; at most a few kept. */
  private void checkWhileRunning(boolean withFences) {
    if (running.size() >= 10) {
      return;
    }
    List<String> v = new ArrayList<>(Invariants.horizonBelowHoles(cluster.nodes()));
    v.addAll(Invariants.horizonSeenEverywhere(cluster.nodes()));
    if (withFences) {
      v.addAll(Invariants.horizonFenced(history, cluster.nodes()));
    }
    for (String s : v) {
      running.add("t=" + net.nowMs() + "ms: " + s);
    }
  }

  /** Runs the network for {@code ms}, ending faults whose time has come on the way. */
  private void advance(long ms) {
    long until = net.nowMs() + ms;
    while (!faultEnds.isEmpty() && faultEnds.firstKey() <= until) {
      Map.Entry<Long, List<Runnable>> e = faultEnds.pollFirstEntry();
      net.runFor(e.getKey() - net.nowMs());
      e.getValue().forEach(Runnable::run);
    }
    net.runFor(until - net.nowMs());
  }

  private void later(long inMs, Runnable r) {
    faultEnds.computeIfAbsent(net.nowMs() + inMs, t -> new ArrayList<>()).add(r);
  }

  private void fault() {
    int kind = random.nextInt(3);
    switch (kind) {
      case 0 -> {
        int r = random.nextInt(cluster.regions());
        List<NodeAddress> island = cluster.region(r).stream().map(SimNode::address).toList();
        net.isolate(island);
        partitions++;
        later(500 + random.nextLong(4_000), net::healPartitions);
      }
      case 1 -> {
        List<SimNode> up = cluster.nodes().stream().filter(SimNode::isUp).toList();
        if (up.size() <= 1) {
          return;
        }
        SimNode n = up.get(random.nextInt(up.size()));
        n.crash();
        crashes++;
        later(
            200 + random.nextLong(5_000),
            () -> {
              if (!n.isUp()) {
                n.start();
              }
            });
      }
      default -> {
        SimNode n = cluster.node(random.nextInt(cluster.size()));
        net.lossBurst(n.address(), 0.2 + random.nextDouble() * 0.6);
        lossBursts++;
        later(300 + random.nextLong(3_000), net::healPartitions);
      }
    }
  }

  private void operation(int number) {
    List<SimNode> up = cluster.nodes().stream().filter(SimNode::isUp).toList();
    SimNode node = up.get(random.nextInt(up.size()));
    if (random.nextInt(100) < options.chainPercent()) {
      chainWrite(node, number);
      return;
    }
    CrdtType type = TYPES[random.nextInt(TYPES.length)];
    KeyRef key =
        KeyRef.of(type.family(), type.apiName() + "-" + random.nextInt(options.keysPerType()));
    long[] seen = cluster.seenAt(node.index());
    java.util.BitSet[] seenEntries = cluster.seenEntriesAt(node.index());
    Operation op =
        random.nextInt(100) < options.deletePercent() ? null : operationOn(node, key, type, number);
    WriteResult result = op == null ? node.delete(key) : node.write(key, op);
    boolean acknowledged = result instanceof WriteResult.Written;
    if (!acknowledged && !(op == null && result instanceof WriteResult.NotFound)) {
      throw new IllegalStateException("operation " + op + " on " + key + " failed: " + result);
    }
    History.Op h =
        new History.Op(
            number,
            net.nowMs(),
            node.index(),
            node.replica().replicaId(),
            key,
            op,
            result,
            acknowledged,
            epochAfter(node, key),
            seen,
            seenEntries);
    history.add(h);
    net.trace(h.toString());
  }

  /** Reads every chain key at {@code node}, then adds a unique element to one of them. */
  private void chainWrite(SimNode node, int number) {
    KeyRef key = causality.keys().get(random.nextInt(causality.keys().size()));
    String element = "c" + number;
    causality.writing(node, key, element, net.nowMs());
    long[] seen = cluster.seenAt(node.index());
    java.util.BitSet[] seenEntries = cluster.seenEntriesAt(node.index());
    Operation op = new Operation.Create(CrdtType.G_SET, new Operation.Add(List.of(element)));
    WriteResult result = node.write(key, op);
    if (!(result instanceof WriteResult.Written)) {
      throw new IllegalStateException("chain write " + op + " on " + key + " failed: " + result);
    }
    History.Op h =
        new History.Op(
            number,
            net.nowMs(),
            node.index(),
            node.replica().replicaId(),
            key,
            op,
            result,
            true,
            epochAfter(node, key),
            seen,
            seenEntries);
    history.add(h);
    net.trace(h.toString());
  }

  /**
   * The epoch the key is in at {@code node} after an operation, as if no epoch had ever been
   * forgotten: a record in the zero epoch whose deletes were collected is in the epoch of the
   * greatest of them the node's horizon includes (every replica merged them, this one too).
   */
  private Epoch epochAfter(SimNode node, KeyRef key) {
    KeyRecord r = node.replica().records().get(key);
    if (r != null && !r.epoch().isZero()) {
      return r.epoch();
    }
    Epoch logical = Epoch.ZERO;
    for (History.Op o : history.of(key)) {
      if (o.isDelete()
          && o.logId() != null
          && node.replica().horizon().contains(o.logId())
          && o.deleteEpoch().compareTo(logical) > 0) {
        logical = o.deleteEpoch();
      }
    }
    return logical;
  }

  private Operation operationOn(SimNode node, KeyRef key, CrdtType type, int number) {
    String element = Integer.toString(random.nextInt(ELEMENTS));
    if (random.nextInt(100) < 5) {
      return new Operation.Create(type, null);
    }
    Operation inner =
        switch (type) {
          case G_COUNTER -> new Operation.Increment(1 + random.nextInt(5));
          case PN_COUNTER ->
              random.nextBoolean()
                  ? new Operation.Increment(1 + random.nextInt(5))
                  : new Operation.Decrement(1 + random.nextInt(5));
          case G_SET -> new Operation.Add(List.of(element));
          case TWO_PHASE_SET, OR_SET ->
              random.nextInt(100) < 45
                  ? new Operation.Remove(List.of(element))
                  : random.nextInt(100) < 15
                      ? new Operation.Add(
                          List.of(element, Integer.toString(random.nextInt(ELEMENTS))))
                      : new Operation.Add(List.of(element));
          case LWW_REGISTER -> new Operation.Write(Integer.toString(number), null);
          case MV_REGISTER -> new Operation.Write(Integer.toString(number), mvContext(node, key));
        };
    boolean bare = type == key.family().defaultType() && random.nextBoolean();
    return bare ? inner : new Operation.Create(type, inner);
  }

  /** No context, the context of a read now, or one read earlier at this node (stale). */
  private DotContext mvContext(SimNode node, KeyRef key) {
    String stash = node.index() + "/" + key;
    int choice = random.nextInt(3);
    if (choice == 0) {
      return null;
    }
    if (choice == 2 && staleContexts.containsKey(stash)) {
      return staleContexts.get(stash);
    }
    DotContext now =
        node.replica().read(key) instanceof ReadResult.Found f && f.state() instanceof MvRegister m
            ? m.context()
            : DotContext.EMPTY;
    staleContexts.put(stash, now);
    return now;
  }
}
