package io.geodatastore.node;

import io.geodatastore.cluster.MemberState;
import io.geodatastore.cluster.coordination.ReadLevel;
import io.geodatastore.cluster.repair.AntiEntropy;
import io.geodatastore.cluster.repair.ExchangeReport;
import io.geodatastore.core.crdt.Conflict;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.node.cluster.ClusterNode;
import io.geodatastore.node.cluster.GrpcTransport;
import io.geodatastore.storage.StorageStats;
import io.geodatastore.storage.rocksdb.RocksStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.rocksdb.Statistics;
import org.rocksdb.TickerType;

/**
 * The node's meters, exposed at {@code /metrics} in Prometheus text format: the seed's five {@code
 * geodatastore_*} metrics, storage and RocksDB figures, and JVM metrics. (HTTP latency histograms
 * are added by {@link HttpMetrics} on the same registry.)
 */
public final class NodeMetrics implements AutoCloseable {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final String region;
  private final Map<String, Counter> operations = new ConcurrentHashMap<>();
  private final Map<String, Counter> conflicts = new ConcurrentHashMap<>();
  private final Map<String, Counter> sessionWaits = new ConcurrentHashMap<>();
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final Timer propagation;

  public NodeMetrics(String region) {
    this.region = region;
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    // Pre-register the conflict counter of every reason with every type it can carry, so
    // dashboards see zeros.
    for (Conflict.Kind k : Conflict.Kind.values()) {
      for (CrdtType t : typesOf(k)) {
        conflictCounter(t.apiName(), k.reason());
      }
    }
    propagation =
        Timer.builder("geodatastore.replication.propagation")
            .description(
                "From a replicated entry's write at its origin (by the origin's clock) to its merge"
                    + " being durable, so readable, here")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(60))
            .register(registry);
    for (String outcome : SESSION_WAIT_OUTCOMES) {
      sessionWaits.put(
          outcome,
          Counter.builder("geodatastore.session.waits")
              .description(
                  "Session and causal reads this node could not serve at once: covered (after"
                      + " waiting for replication), fetched (from replicas), failed (503)")
              .tag("outcome", outcome)
              .register(registry));
    }
  }

  /** The outcomes of {@link #sessionWait}. */
  static final List<String> SESSION_WAIT_OUTCOMES = List.of("covered", "fetched", "failed");

  /**
   * Counts a session or causal read (or listing) that had to wait: {@code covered}, {@code fetched}
   * or {@code failed}.
   */
  public void sessionWait(String outcome) {
    Counter c = sessionWaits.get(outcome);
    if (c == null) {
      throw new IllegalArgumentException("unknown session wait outcome " + outcome);
    }
    c.increment();
  }

  /**
   * Records how long a replicated entry took from its write at the origin to being durable here.
   * Clocks of other machines may be ahead: a negative time counts as 0.
   */
  public void propagated(long millis) {
    propagation.record(Math.max(0, millis), TimeUnit.MILLISECONDS);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Binds the store's figures: vector clock size, storage stats, RocksDB tickers, quarantine. */
  public void bindStore(RocksStore store) {
    FunctionCounter.builder(
            "geodatastore.merkle.leaves.fixed", store, RocksStore::merkleLeavesFixed)
        .description("Anti-entropy tree leaves found wrong by verification and corrected")
        .tag("region", region)
        .register(registry);
    FunctionCounter.builder("geodatastore.merkle.rebuilds", store, RocksStore::merkleRebuilds)
        .description("Background rebuilds of the anti-entropy tree (a data directory without one)")
        .tag("region", region)
        .register(registry);
    for (CrdtType t : CrdtType.values()) {
      typeGauge(store, t, "geodatastore.storage.keys", "Live keys", s -> s.liveKeys());
      typeGauge(store, t, "geodatastore.storage.tombstones", "Tombstones", s -> s.tombstones());
      typeGauge(
          store, t, "geodatastore.storage.payload.bytes", "Payload bytes", s -> s.payloadBytes());
      typeGauge(
          store,
          t,
          "geodatastore.storage.metadata.bytes",
          "Metadata bytes",
          s -> s.metadataBytes());
    }
    Gauge.builder("geodatastore.replication.log.entries", store, s -> s.stats().logEntries())
        .description("Entries in the replication log")
        .register(registry);
    Gauge.builder("geodatastore.replication.log.bytes", store, s -> s.stats().logBytes())
        .description("Bytes in the replication log")
        .register(registry);
    Gauge.builder("geodatastore.quarantined.keys", store, s -> s.quarantined().size())
        .description("Keys whose stored value is corrupt and awaits repair")
        .register(registry);
    FunctionCounter.builder("geodatastore.quarantines", store, s -> s.quarantinedTotal())
        .description("Keys quarantined since start")
        .register(registry);
    FunctionCounter.builder("geodatastore.hlc.clamps", store, s -> s.hlcClamps())
        .description("Received timestamps clamped by the HLC max-offset guard")
        .register(registry);
    FunctionCounter.builder("geodatastore.gc.runs", store, s -> s.stats().gcRuns())
        .description("Garbage collections of causally stable tombstones and epochs")
        .register(registry);
    FunctionCounter.builder(
            "geodatastore.gc.tombstones.reclaimed", store, s -> s.stats().tombstonesReclaimed())
        .description("Tombstones dropped because every replica has their delete")
        .register(registry);
    FunctionCounter.builder(
            "geodatastore.gc.epochs.forgotten", store, s -> s.stats().epochsForgotten())
        .description("Live records whose causally stable epoch was reset to zero")
        .register(registry);
    FunctionCounter.builder(
            "geodatastore.gc.bytes.reclaimed", store, s -> s.stats().bytesReclaimed())
        .description("Stored bytes (keys and values) freed by garbage collection")
        .register(registry);
    Gauge.builder("geodatastore.conflict.log.entries", store, RocksStore::conflictLogSize)
        .description("Entries in the persistent conflict log")
        .register(registry);
    Statistics stats = store.rocksStatistics();
    for (TickerType t :
        new TickerType[] {
          TickerType.BYTES_WRITTEN,
          TickerType.BYTES_READ,
          TickerType.NUMBER_KEYS_WRITTEN,
          TickerType.NUMBER_KEYS_READ,
          TickerType.BLOCK_CACHE_HIT,
          TickerType.BLOCK_CACHE_MISS,
          TickerType.MEMTABLE_HIT,
          TickerType.WAL_FILE_SYNCED,
          TickerType.COMPACT_WRITE_BYTES,
          TickerType.STALL_MICROS
        }) {
      FunctionCounter.builder(
              "geodatastore.rocksdb." + t.name().toLowerCase(Locale.ROOT),
              stats,
              s -> s.getTickerCount(t))
          .description("RocksDB ticker " + t.name())
          .register(registry);
    }
  }

  private void typeGauge(
      RocksStore store,
      CrdtType t,
      String name,
      String description,
      ToDoubleFunction<StorageStats.TypeStats> f) {
    Gauge.builder(
            name,
            store,
            s -> {
              StorageStats.TypeStats ts = s.stats().types().get(t);
              return ts == null ? 0 : f.applyAsDouble(ts);
            })
        .description(description + " per type")
        .tag("type", t.apiName())
        .register(registry);
  }

  /**
   * Binds the cluster's figures: replication lag per peer (and {@code peer="all"}, the largest),
   * deltas, messages and bytes per peer, entries held for their dependencies (causal delivery),
   * members by state, the vector clock's size. Peers are registered as they appear ({@link
   * #refreshPeers}, called before every scrape).
   */
  public void bindCluster(ClusterNode cluster) {
    this.cluster = cluster;
    Gauge.builder("geodatastore.vector.clock.size", cluster, ClusterNode::vectorClockSize)
        .description("Entries (origin replicas) in this node's version vector")
        .register(registry);
    Gauge.builder(
            "geodatastore.replication.lag.seconds",
            cluster,
            c ->
                c.lagSnapshot().stream()
                    .mapToDouble(ClusterNode.PeerLag::oldestAgeSeconds)
                    .max()
                    .orElse(0))
        .description("Age of the oldest delta not yet acknowledged by a peer (all: the largest)")
        .tag("peer", "all")
        .tag("region", "all")
        .register(registry);
    for (MemberState st : MemberState.values()) {
      if (st == MemberState.REMOVED) {
        continue; // a removed member is in no view
      }
      Gauge.builder(
              "geodatastore.cluster.members", cluster, c -> c.membersByState().getOrDefault(st, 0))
          .description("Members of this node's view, itself included, by state")
          .tag("state", st.label())
          .register(registry);
    }
    Gauge.builder(
            "geodatastore.stability.stable.sequence",
            cluster,
            c -> c.stabilitySnapshot().stableSequence())
        .description("Highest sequence of this node's log merged at every replica it knows")
        .register(registry);
    Gauge.builder(
            "geodatastore.stability.collectable.sequence",
            cluster,
            c -> c.stabilitySnapshot().collectableSequence())
        .description("Highest sequence of this node's log whose deletes may be collected")
        .register(registry);
    Gauge.builder(
            "geodatastore.stability.holes",
            cluster,
            c -> c.stabilitySnapshot().holes().values().stream().mapToInt(List::size).sum())
        .description("Ranges of other origins' logs skipped here, awaiting anti-entropy")
        .register(registry);
    FunctionCounter.builder("geodatastore.replication.deltas.sent", cluster, c -> c.deltasSent())
        .description("Deltas (log entries) sent to peers, retransmissions included")
        .tag("peer", "all")
        .tag("region", "all")
        .register(registry);
    FunctionCounter.builder(
            "geodatastore.replication.deltas.received", cluster, c -> c.deltasReceived())
        .description("Deltas (log entries) received and merged")
        .tag("peer", "all")
        .tag("region", "all")
        .register(registry);
    for (ReadLevel level : ReadLevel.values()) {
      FunctionCounter.builder("geodatastore.read.repairs", cluster, c -> c.readRepairs(level))
          .description(
              "Replicas whose record a read found behind and repaired (their state changed), by"
                  + " read level; this node included")
          .tag("level", level.label())
          .register(registry);
    }
    FunctionCounter.builder(
            "geodatastore.replication.deps.waits", cluster, c -> c.entriesHeldForDeps())
        .description(
            "Replicated entries held until the entries of other origins they depend on were merged")
        .register(registry);
    bindAntiEntropy(cluster);
  }

  /**
   * Anti-entropy's meters: exchanges by scope ({@code region}, {@code cross_region}, {@code job})
   * and outcome ({@code in_sync}, {@code repaired}, {@code failed}), keys repaired, bytes by
   * direction, record sets merged before their causal past (forced), exchanges running.
   */
  private void bindAntiEntropy(ClusterNode cluster) {
    for (ExchangeReport.Scope scope : ExchangeReport.Scope.values()) {
      for (ExchangeReport.Outcome outcome : ExchangeReport.Outcome.values()) {
        FunctionCounter.builder(
                "geodatastore.anti_entropy.syncs",
                cluster,
                c -> c.antiEntropyTotals().syncs().get(scope).get(outcome))
            .description("Anti-entropy exchanges (tree comparisons with one peer) that ended")
            .tag("region", region)
            .tag("scope", scope.label())
            .tag("outcome", outcome.label())
            .register(registry);
      }
    }
    FunctionCounter.builder(
            "geodatastore.anti_entropy.keys.repaired",
            cluster,
            c -> c.antiEntropyTotals().keysRepaired())
        .description("Keys anti-entropy changed, here or at the peer (quarantined keys included)")
        .tag("region", region)
        .register(registry);
    FunctionCounter.builder(
            "geodatastore.anti_entropy.bytes", cluster, c -> c.antiEntropyTotals().bytesSent())
        .description("Bytes of this node's anti-entropy exchanges: trees, keys and records")
        .tag("region", region)
        .tag("direction", "sent")
        .register(registry);
    FunctionCounter.builder(
            "geodatastore.anti_entropy.bytes", cluster, c -> c.antiEntropyTotals().bytesReceived())
        .tag("region", region)
        .tag("direction", "received")
        .register(registry);
    FunctionCounter.builder(
            "geodatastore.anti_entropy.forced.merges",
            cluster,
            c -> c.antiEntropyTotals().forcedMerges())
        .description(
            "Record sets from peers merged before this replica had applied their causal past"
                + " (the causal wait ran out)")
        .tag("region", region)
        .register(registry);
    Gauge.builder(
            "geodatastore.anti_entropy.exchanges.running",
            cluster,
            c -> {
              AntiEntropy.Totals t = c.antiEntropyTotals();
              return t == null ? 0 : t.running();
            })
        .description("Anti-entropy exchanges running now")
        .tag("region", region)
        .register(registry);
  }

  private volatile ClusterNode cluster;
  private final Map<String, Boolean> peersBound = new ConcurrentHashMap<>();

  /** Registers the meters of peers that appeared since the last call. */
  public void refreshPeers() {
    ClusterNode c = cluster;
    if (c == null) {
      return;
    }
    // Fresh from the cluster's thread (the scrape runs off the event loop), so a peer that just
    // appeared is registered by this very scrape; the periodic snapshot if the cluster is busy.
    List<ClusterNode.PeerLag> peers;
    try {
      c.refreshAntiEntropyTotals().get(2, java.util.concurrent.TimeUnit.SECONDS);
      peers = c.lag().get(2, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException
        | java.util.concurrent.TimeoutException
        | RuntimeException e) {
      peers = c.lagSnapshot(); // busy, or stopping: the last snapshot will do
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      peers = c.lagSnapshot();
    }
    for (ClusterNode.PeerLag p : peers) {
      if (peersBound.putIfAbsent(p.peer(), Boolean.TRUE) != null) {
        continue;
      }
      String peer = p.peer();
      String peerRegion = p.region() == null ? "unknown" : p.region();
      GrpcTransport.Traffic t = c.transport().traffic(peer);
      Gauge.builder(
              "geodatastore.replication.lag.seconds",
              c,
              x ->
                  x.lagSnapshot().stream()
                      .filter(l -> l.peer().equals(peer))
                      .mapToDouble(ClusterNode.PeerLag::oldestAgeSeconds)
                      .findFirst()
                      .orElse(0))
          .tag("peer", peer)
          .tag("region", peerRegion)
          .register(registry);
      peerCounter("geodatastore.replication.deltas.sent", peer, peerRegion, t, x -> x.deltasSent());
      peerCounter(
          "geodatastore.replication.deltas.received", peer, peerRegion, t, x -> x.deltasReceived());
      peerCounter("geodatastore.peer.messages.sent", peer, peerRegion, t, x -> x.messagesSent());
      peerCounter(
          "geodatastore.peer.messages.received", peer, peerRegion, t, x -> x.messagesReceived());
      peerCounter("geodatastore.peer.bytes.sent", peer, peerRegion, t, x -> x.bytesSent());
      peerCounter("geodatastore.peer.bytes.received", peer, peerRegion, t, x -> x.bytesReceived());
      peerCounter("geodatastore.peer.messages.dropped", peer, peerRegion, t, x -> x.dropped());
    }
  }

  private void peerCounter(
      String name,
      String peer,
      String peerRegion,
      GrpcTransport.Traffic t,
      ToDoubleFunction<GrpcTransport.Traffic> f) {
    FunctionCounter.builder(name, t, f)
        .tag("peer", peer)
        .tag("region", peerRegion)
        .register(registry);
  }

  /** Counts one CRDT operation of {@code operation} on a key of {@code type}. */
  public void operation(CrdtType type, String operation) {
    String k = type.apiName() + '/' + operation;
    Counter c = operations.get(k);
    if (c == null) {
      c =
          operations.computeIfAbsent(
              k,
              x ->
                  Counter.builder("geodatastore.operations")
                      .description("CRDT operations served, by type, operation and region")
                      .tag("type", type.apiName())
                      .tag("operation", operation)
                      .tag("region", region)
                      .register(registry));
    }
    c.increment();
  }

  /**
   * Counts a conflict a write or merge of a key of {@code type} resolved. A type mismatch is
   * counted under the type that was kept (the first of its values), as the conflict log shows it.
   */
  public void conflict(CrdtType type, Conflict c) {
    CrdtType t = type;
    if (c.kind() == Conflict.Kind.TYPE_MISMATCH && !c.values().isEmpty()) {
      CrdtType kept = CrdtType.fromApiName(c.values().getFirst());
      t = kept != null ? kept : type;
    }
    conflictCounter(t.apiName(), c.kind().reason()).increment();
  }

  private Counter conflictCounter(String type, String reason) {
    return conflicts.computeIfAbsent(
        type + '/' + reason,
        x ->
            Counter.builder("geodatastore.conflicts.resolved")
                .description("Conflicts resolved by a CRDT rule, by type and reason")
                .tag("type", type)
                .tag("reason", reason)
                .register(registry));
  }

  private static List<CrdtType> typesOf(Conflict.Kind k) {
    return switch (k) {
      case LWW_CONCURRENT_OVERWRITE, LWW_WRITE_LOST -> List.of(CrdtType.LWW_REGISTER);
      case TWO_PHASE_SET_READD_REFUSED -> List.of(CrdtType.TWO_PHASE_SET);
      case MV_REGISTER_SIBLINGS -> List.of(CrdtType.MV_REGISTER);
      case TYPE_MISMATCH -> List.of(CrdtType.values());
    };
  }

  public String scrape() {
    refreshPeers();
    return registry.scrape();
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
