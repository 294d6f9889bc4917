package io.geodatastore.node.cluster;

import io.geodatastore.cluster.AntiEntropyMessage;
import io.geodatastore.cluster.ClusterMessage;
import io.geodatastore.cluster.MemberInfo;
import io.geodatastore.cluster.MemberState;
import io.geodatastore.cluster.MembershipMessage;
import io.geodatastore.cluster.NodeAddress;
import io.geodatastore.cluster.NodeId;
import io.geodatastore.cluster.RecordMessage;
import io.geodatastore.cluster.ReplicationMessage;
import io.geodatastore.cluster.coordination.ReadCoordinator;
import io.geodatastore.cluster.coordination.ReadLevel;
import io.geodatastore.cluster.coordination.ReadOutcome;
import io.geodatastore.cluster.membership.Membership;
import io.geodatastore.cluster.membership.MembershipListener;
import io.geodatastore.cluster.membership.MembershipOptions;
import io.geodatastore.cluster.repair.AntiEntropy;
import io.geodatastore.cluster.repair.AntiEntropyOptions;
import io.geodatastore.cluster.repair.CausalGate;
import io.geodatastore.cluster.repair.ExchangeReport;
import io.geodatastore.cluster.repair.JobStatus;
import io.geodatastore.cluster.repair.RecordExchange;
import io.geodatastore.cluster.replication.Replication;
import io.geodatastore.cluster.replication.ReplicationOptions;
import io.geodatastore.cluster.replication.WriteLevel;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.KeyedRecord;
import io.geodatastore.storage.LogEntry;
import io.geodatastore.storage.RecordCodec;
import io.geodatastore.storage.Store;
import io.geodatastore.wire.proto.ForwardReply;
import io.geodatastore.wire.proto.ForwardRequest;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership, replication, record exchange and anti-entropy running inside one node: the real
 * {@link NodeEnv}, the {@link GrpcTransport}, the store as a {@link StoreReplica}, and the glue
 * between them. Every call into the state machines hops onto the env's logical thread; read-only
 * figures for metrics are refreshed there into volatile snapshots.
 */
public final class ClusterNode implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);

  /** How often the snapshots behind the metrics are refreshed. */
  static final long SNAPSHOT_INTERVAL_MS = 500;

  /** The most bytes of records one answer to a fetch carries (well under the transport's limit). */
  static final long RECORD_REPLY_BYTES_MAX = 4L << 20;

  /** The most record requests of this node that wait for an answer at once. */
  static final int RECORD_REQUESTS_PENDING_MAX = 4096;

  /** The most record sets (fetched or pushed) waiting for their causal past at once. */
  static final int CAUSAL_WAITERS_MAX = 1024;

  /**
   * What the cluster needs to start.
   *
   * @param advertiseHost the host of the peer address others use
   * @param advertisePort its port; 0 means "the bound port"
   */
  public record Settings(
      NodeId self,
      String region,
      String bindHost,
      int bindPort,
      String advertiseHost,
      int advertisePort,
      List<NodeAddress> seeds,
      MembershipOptions membership,
      ReplicationOptions replication,
      AntiEntropyOptions antiEntropy,
      GrpcTransport.Options transport) {}

  /** One peer's replication figures, as {@code /admin/replication/lag} and the metrics show. */
  public record PeerLag(
      String peer,
      String region,
      boolean up,
      long unacknowledged,
      long acknowledged,
      double oldestAgeSeconds,
      long bytesSent,
      long bytesReceived,
      long messagesSent,
      long messagesReceived,
      boolean needsCatchUp) {}

  /**
   * Causal-stability figures, as {@code /admin/replication/lag} and the metrics show them.
   *
   * @param stableSequence every entry this node originated up to it is merged at every replica it
   *     knows
   * @param collectableSequence every delete this node originated up to it may be collected
   * @param horizon per origin replica, the collectable sequence it announced
   * @param holes per origin replica, the ranges skipped here and not yet covered by anti-entropy
   * @param members per member, {complete watermark, fence} of this node's log as last reported
   */
  public record StabilityFigures(
      long stableSequence,
      long collectableSequence,
      Map<String, Long> horizon,
      Map<String, List<long[]>> holes,
      Map<String, long[]> members) {

    static final StabilityFigures NONE = new StabilityFigures(0, 0, Map.of(), Map.of(), Map.of());
  }

  private final Settings settings;
  private final NodeEnv env;
  private final StoreReplica replica;
  private final GrpcTransport transport;
  private final NodeAddress advertise;
  private final Membership membership;
  private final Replication replication;
  private final RecordExchange records;
  private final CausalGate gate;
  private final AntiEntropy antiEntropy;
  private final ReadCoordinator reads;
  private final AtomicBoolean writtenPending = new AtomicBoolean();
  private final AtomicLongArray readRepairs = new AtomicLongArray(ReadLevel.values().length);
  private volatile List<MemberInfo> viewSnapshot = List.of();
  private volatile AntiEntropy.Totals antiEntropyTotals;
  private volatile List<PeerLag> lagSnapshot = List.of();
  private volatile long deltasSent;
  private volatile long deltasReceived;
  private volatile long entriesHeldForDeps;
  private volatile StabilityFigures stabilitySnapshot = StabilityFigures.NONE;

  private ClusterNode(
      Settings s,
      Store store,
      LongSupplier wallClockMs,
      Faults faults,
      MergeListener onMerged,
      Function<ForwardRequest, CompletableFuture<ForwardReply>> forwardHandler) {
    this.settings = s;
    this.env = new NodeEnv(s.self().value(), wallClockMs);
    this.replica = new StoreReplica(store, env, onMerged);
    this.transport =
        new GrpcTransport(
            s.self(),
            s.region(),
            s.bindHost(),
            s.bindPort(),
            faults,
            s.transport(),
            replica::entryBytes,
            d -> env.post(() -> dispatch(d.message())),
            forwardHandler);
    this.advertise =
        new NodeAddress(
            s.advertiseHost(), s.advertisePort() == 0 ? transport.port() : s.advertisePort());
    env.sender((to, msg) -> transport.send(to, msg, env.random()));
    this.replication = new Replication(env, s.self(), s.region(), replica, s.replication());
    this.gate = new CausalGate(env, replica, s.antiEntropy().causalWaitMs(), CAUSAL_WAITERS_MAX);
    replication.onApplied(gate::appliedAdvanced); // records waiting for a delta go on once it lands
    this.records =
        new RecordExchange(
            env,
            s.self(),
            advertise,
            replica,
            RECORD_REPLY_BYTES_MAX,
            RECORD_REQUESTS_PENDING_MAX,
            ClusterNode::recordBytes,
            gate);
    this.antiEntropy =
        new AntiEntropy(
            env,
            s.self(),
            s.region(),
            advertise,
            replica,
            replication,
            records,
            gate,
            s.antiEntropy(),
            ClusterNode::recordBytes);
    antiEntropy.onExchangeFinished(ClusterNode::logExchange);
    replication.onCatchUpNeeded(antiEntropy::catchUp);
    this.antiEntropyTotals = antiEntropy.totals();
    this.reads =
        new ReadCoordinator(
            env,
            s.self(),
            replica,
            replication,
            records,
            (level, n) -> readRepairs.addAndGet(level.ordinal(), n));
    this.membership =
        new Membership(
            env,
            s.self(),
            s.region(),
            advertise,
            wallClockMs.getAsLong(),
            s.seeds(),
            s.membership(),
            new Listener());
  }

  /** Binds the transport and starts membership (joining through the seeds) and replication. */
  public static ClusterNode start(
      Settings s,
      Store store,
      LongSupplier wallClockMs,
      Faults faults,
      MergeListener onMerged,
      Function<ForwardRequest, CompletableFuture<ForwardReply>> forwardHandler) {
    ClusterNode c = new ClusterNode(s, store, wallClockMs, faults, onMerged, forwardHandler);
    c.env
        .call(
            () -> {
              c.replication.start();
              c.membership.start();
              c.antiEntropy.start();
              c.refresh();
              c.env.schedule(SNAPSHOT_INTERVAL_MS, c::refreshPeriodically);
              return null;
            })
        .join();
    store.onLogDurable(c::localWritten);
    return c;
  }

  public NodeAddress advertise() {
    return advertise;
  }

  public GrpcTransport transport() {
    return transport;
  }

  public NodeEnv env() {
    return env;
  }

  /** Fetching and pushing full records; used on the env's logical thread only. */
  public RecordExchange records() {
    return records;
  }

  /** Anti-entropy; used on the env's logical thread only (e.g. to add a completion listener). */
  public AntiEntropy antiEntropy() {
    return antiEntropy;
  }

  /** A record's size on the wire: its encoding and its key's name. */
  static long recordBytes(KeyedRecord r) {
    return RecordCodec.encode(r.record()).length + (long) r.key().nameBytes().length;
  }

  /** One line per exchange that repaired something; the others at debug. */
  private static void logExchange(ExchangeReport r) {
    if (r.outcome() == ExchangeReport.Outcome.REPAIRED) {
      log.info(
          "anti-entropy with {} ({}): {} keys repaired ({} here, {} there), {} bytes, {} ms",
          r.peer(),
          r.scope().label(),
          r.keysRepaired(),
          r.repairedHere(),
          r.repairedThere(),
          r.bytes(),
          r.durationMs());
    } else if (log.isDebugEnabled()) {
      log.debug(
          "anti-entropy with {} ({}): {}{}, {} ranges and {} keys compared, {} bytes, {} ms",
          r.peer(),
          r.scope().label(),
          r.outcome().label(),
          r.failure().isEmpty() ? "" : " (" + r.failure() + ")",
          r.rangesCompared(),
          r.keysCompared(),
          r.bytes(),
          r.durationMs());
    }
  }

  private void dispatch(ClusterMessage m) {
    switch (m) {
      case MembershipMessage mm -> membership.receive(mm);
      case ReplicationMessage rm -> replication.onMessage(rm);
      case RecordMessage rm -> {
        if (rm instanceof RecordMessage.FetchRecords || rm instanceof RecordMessage.PushRecords) {
          antiEntropy.peerActive(rm.from()); // a peer's exchange with this node
        }
        records.onMessage(rm);
      }
      case AntiEntropyMessage am -> antiEntropy.onMessage(am);
    }
  }

  private final class Listener implements MembershipListener {
    @Override
    public void onJoined(MemberInfo m) {
      changed(m, m.state());
    }

    @Override
    public void onStateChanged(MemberInfo before, MemberInfo after) {
      changed(after, after.state());
    }

    @Override
    public void onRemoved(MemberInfo m) {
      // Purged after its retention: it no longer counts as a replica. Removed by an operator: it
      // is forgotten by causal stability too.
      changed(m, m.state() == MemberState.REMOVED ? MemberState.REMOVED : MemberState.LEFT);
    }

    private void changed(MemberInfo m, MemberState state) {
      log.info("member {} ({}, {}) is {}", m.nodeId(), m.region(), m.address(), state.label());
      if (state != MemberState.REMOVED) { // a removed member's address may be a placeholder
        transport.peer(m.address(), m.nodeId(), m.region());
      }
      if (state == MemberState.ALIVE) {
        transport.peerUp(m.address());
      }
      replication.memberChanged(m.nodeId(), m.region(), m.address(), state);
      antiEntropy.memberChanged(m.nodeId(), m.region(), m.address(), state);
      viewSnapshot = membership.view();
    }
  }

  // ---- called from HTTP threads ----

  /**
   * Local writes are durable: replicate them. The store calls it once per group-commit batch
   * ({@link Store#onLogDurable}). One hop onto the logical thread serves every write made durable
   * until it runs (it reads the log's end then), instead of one task per write or batch.
   */
  public void localWritten() {
    if (writtenPending.compareAndSet(false, true)) {
      env.post(
          () -> {
            writtenPending.set(false); // before the log is read: a later write posts again
            replication.localWritten();
          });
    }
  }

  /**
   * Completes once the write of sequence {@code seq} reaches {@code level}, or after the timeout.
   */
  public CompletableFuture<Replication.AckOutcome> awaitAcks(
      long seq, WriteLevel level, long timeoutMs) {
    CompletableFuture<Replication.AckOutcome> out = new CompletableFuture<>();
    env.post(() -> replication.awaitAcks(seq, level, timeoutMs, out::complete));
    return out;
  }

  // ---- reads beyond eventual ----

  /** Reads {@code key} at a merging level (local_quorum, quorum, all). */
  public CompletableFuture<ReadOutcome> read(KeyRef key, ReadLevel level, long timeoutMs) {
    CompletableFuture<ReadOutcome> out = new CompletableFuture<>();
    env.post(() -> reads.read(key, level, timeoutMs, out::complete));
    return out;
  }

  /** Reads {@code key} for a session that saw {@code token} (session, causal). */
  public CompletableFuture<ReadOutcome> readSession(
      KeyRef key, ReadLevel level, VersionVector token, long waitMs, long timeoutMs) {
    CompletableFuture<ReadOutcome> out = new CompletableFuture<>();
    env.post(() -> reads.readSession(key, level, token, waitMs, timeoutMs, out::complete));
    return out;
  }

  /** Completes once this node's records show everything {@code token} names, or after the wait. */
  public CompletableFuture<ReadCoordinator.Coverage> awaitCovered(
      VersionVector token, long waitMs) {
    CompletableFuture<ReadCoordinator.Coverage> out = new CompletableFuture<>();
    env.post(() -> reads.awaitCovered(token, waitMs, out::complete));
    return out;
  }

  /** Whether this node's records already show everything {@code token} names; any thread. */
  public boolean covers(VersionVector token) {
    return ReadCoordinator.covers(replica, token);
  }

  /** What this node's records may show at most (a session token joins it); any thread. */
  public VersionVector coverage() {
    return replica.coverage();
  }

  /** Replicas that reads at {@code level} repaired (their state changed), since start. */
  public long readRepairs(ReadLevel level) {
    return readRepairs.get(level.ordinal());
  }

  /** The membership view (this node included), fresh from the logical thread. */
  public CompletableFuture<List<MemberInfo>> view() {
    return env.call(membership::view);
  }

  /** The last refreshed view, for callers that may not wait. */
  public List<MemberInfo> viewSnapshot() {
    return viewSnapshot;
  }

  /** Monotonic now of the env, to age {@link MemberInfo#lastContactMs()}. */
  public long nowMs() {
    return env.nowMs();
  }

  /** Known regions, and for {@code region} its alive members other than this node. */
  public record RegionLookup(SortedSet<String> regions, List<MemberInfo> alive) {}

  public CompletableFuture<RegionLookup> lookupRegion(String region) {
    return env.call(
        () -> {
          List<MemberInfo> alive = new ArrayList<>();
          for (MemberInfo m : membership.aliveIn(region)) {
            if (!m.nodeId().equals(settings.self())) {
              alive.add(m);
            }
          }
          return new RegionLookup(membership.regions(), alive);
        });
  }

  /**
   * Starts an anti-entropy job: with every alive replica ({@code region} null), or every alive
   * replica of {@code region}.
   */
  public CompletableFuture<AntiEntropy.JobStart> startSync(String region) {
    return env.call(() -> antiEntropy.startJob(region));
  }

  /** An anti-entropy job's progress, if known. */
  public CompletableFuture<Optional<JobStatus>> syncJob(String id) {
    return env.call(() -> antiEntropy.job(id));
  }

  /** The answer to {@link #removeMember}. */
  public sealed interface Removal {
    /** Neither the view nor causal stability knows the member. */
    record Unknown() implements Removal {}

    /** The member is alive or suspect here: it must be stopped first. */
    record Active(MemberInfo member) implements Removal {}

    /** The node asked to remove itself. */
    record Self() implements Removal {}

    /**
     * Removed here and gossiped.
     *
     * @param member its row before (empty: it was purged from the view already)
     * @param fromStability whether causal stability was waiting for it
     */
    record Removed(NodeId nodeId, Optional<MemberInfo> member, boolean fromStability)
        implements Removal {}
  }

  /** Where a removal of a member purged from the view says it was: it is never contacted. */
  static final NodeAddress REMOVED_ADDRESS = new NodeAddress("removed.invalid", 1);

  /**
   * Removes a member that left or died for good (Cassandra's {@code removenode}): it leaves the
   * membership view and causal stability here, and the removal is gossiped so that every node
   * forgets it. The garbage-collection horizon then stops waiting for it. It must never come back
   * with its data (a restart with its old data directory could bring back what was collected).
   */
  public CompletableFuture<Removal> removeMember(NodeId id) {
    return env.call(
        () -> {
          if (id.equals(settings.self())) {
            return new Removal.Self();
          }
          Optional<MemberInfo> m = membership.member(id);
          boolean inStability = replication.stability().members().containsKey(id);
          if (m.isEmpty() && !inStability) {
            return new Removal.Unknown();
          }
          if (m.isPresent() && m.get().state().isActive()) {
            return new Removal.Active(m.get());
          }
          String region = m.map(MemberInfo::region).orElse(settings.region());
          membership.remove(id, region, m.map(MemberInfo::address).orElse(REMOVED_ADDRESS));
          viewSnapshot = membership.view();
          stabilitySnapshot = computeStability();
          return new Removal.Removed(id, m, inStability);
        });
  }

  /** Anti-entropy's totals, as last refreshed (for metrics). */
  public AntiEntropy.Totals antiEntropyTotals() {
    return antiEntropyTotals;
  }

  /** Refreshes the totals from the logical thread (a metrics scrape does, before it reads them). */
  public CompletableFuture<AntiEntropy.Totals> refreshAntiEntropyTotals() {
    return env.call(
        () -> {
          antiEntropyTotals = antiEntropy.totals();
          return antiEntropyTotals;
        });
  }

  /** Replication figures per peer, fresh. */
  public CompletableFuture<List<PeerLag>> lag() {
    return env.call(this::computeLag);
  }

  public List<PeerLag> lagSnapshot() {
    return lagSnapshot;
  }

  /** Causal-stability figures, fresh. */
  public CompletableFuture<StabilityFigures> stability() {
    return env.call(this::computeStability);
  }

  public StabilityFigures stabilitySnapshot() {
    return stabilitySnapshot;
  }

  private StabilityFigures computeStability() {
    var st = replication.stability();
    Map<String, Long> horizon = new java.util.TreeMap<>();
    replication.horizon().forEach((r, c) -> horizon.put(r.value(), c));
    Map<String, List<long[]>> holes = new java.util.TreeMap<>();
    st.holes().forEach((r, h) -> holes.put(r.value(), h));
    Map<String, long[]> members = new java.util.TreeMap<>();
    st.members().forEach((id, m) -> members.put(id.value(), m));
    return new StabilityFigures(st.stable(), st.collectable(), horizon, holes, members);
  }

  public Map<MemberState, Integer> membersByState() {
    Map<MemberState, Integer> out = new EnumMap<>(MemberState.class);
    for (MemberState s : MemberState.values()) {
      out.put(s, 0);
    }
    for (MemberInfo m : viewSnapshot) {
      out.merge(m.state(), 1, Integer::sum);
    }
    return out;
  }

  public int vectorClockSize() {
    return replica.vectorClockSize();
  }

  public long deltasSent() {
    return deltasSent;
  }

  public long deltasReceived() {
    return deltasReceived;
  }

  /** Replicated entries held until the entries they depend on were merged. */
  public long entriesHeldForDeps() {
    return entriesHeldForDeps;
  }

  public Optional<MemberInfo> member(String nodeId) {
    return viewSnapshot.stream().filter(m -> m.nodeId().value().equals(nodeId)).findFirst();
  }

  private List<PeerLag> computeLag() {
    List<PeerLag> out = new ArrayList<>();
    long now = env.wallClockMs();
    for (Replication.PeerLag p : replication.lag()) {
      double age = 0;
      if (p.unacknowledged() > 0) {
        List<LogEntry> oldest = replica.readLog(p.acknowledged() + 1, 1, Long.MAX_VALUE);
        if (!oldest.isEmpty()) {
          age = Math.max(0, now - oldest.getFirst().writtenAt().wallMs()) / 1000.0;
        }
      }
      GrpcTransport.Traffic t = transport.traffic(p.peer().value());
      out.add(
          new PeerLag(
              p.peer().value(),
              p.region(),
              p.up(),
              p.unacknowledged(),
              p.acknowledged(),
              age,
              t.bytesSent(),
              t.bytesReceived(),
              t.messagesSent(),
              t.messagesReceived(),
              p.needsCatchUp()));
    }
    return out;
  }

  private void refresh() {
    viewSnapshot = membership.view();
    lagSnapshot = computeLag();
    deltasSent = replication.deltasSent();
    deltasReceived = replication.deltasReceived();
    antiEntropyTotals = antiEntropy.totals();
    entriesHeldForDeps = replication.entriesHeldForDeps();
    stabilitySnapshot = computeStability();
  }

  private void refreshPeriodically() {
    try {
      refresh();
    } finally {
      if (!membership.isStopped()) {
        env.schedule(SNAPSHOT_INTERVAL_MS, this::refreshPeriodically);
      }
    }
  }

  /**
   * Leaves the cluster gracefully: gossips this node's departure for the membership's grace time,
   * waiting at most {@code maxWaitMs}.
   */
  public void leave(long maxWaitMs) {
    CountDownLatch done = new CountDownLatch(1);
    env.post(
        () -> {
          boolean alone =
              membership.view().stream()
                  .noneMatch(m -> !m.nodeId().equals(settings.self()) && m.state().isActive());
          if (alone) {
            membership.stop(); // nobody to tell: no grace period
            done.countDown();
          } else {
            membership.leave(done::countDown);
          }
        });
    try {
      if (!done.await(maxWaitMs, TimeUnit.MILLISECONDS)) {
        log.warn("leaving the cluster took more than {} ms; stopping anyway", maxWaitMs);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops replication and membership, the transport and the logical thread. Idempotent. */
  @Override
  public void close() {
    try {
      env.call(
              () -> {
                membership.stop();
                reads.stop();
                replication.stop();
                antiEntropy.stop();
                records.stop();
                gate.stop();
                return null;
              })
          .get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.debug("stopping the cluster state machines: {}", e.toString());
    }
    transport.close();
    replica.close();
    env.close();
  }
}
