package io.geodatastore.cluster.repair;

import io.geodatastore.cluster.AntiEntropyMessage;
import io.geodatastore.cluster.Cancellable;
import io.geodatastore.cluster.Env;
import io.geodatastore.cluster.MemberState;
import io.geodatastore.cluster.NodeAddress;
import io.geodatastore.cluster.NodeId;
import io.geodatastore.cluster.RecordMessage;
import io.geodatastore.cluster.TreeSums;
import io.geodatastore.cluster.replication.LocalReplica;
import io.geodatastore.cluster.replication.Replication;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.storage.KeyHash;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.KeyedRecord;
import io.geodatastore.storage.Merkle;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * Merkle-tree anti-entropy (ARCHITECTURE.md, "Failure and repair"): repairs whatever the delta
 * streams did not deliver — entries lost past the log's retention, a replica started on an empty
 * data directory, values quarantined as corrupt — by comparing replicas' trees and shipping the
 * differing keys' full records both ways ({@link Exchange}). A state machine on the node's logical
 * thread, driven only through its {@link Env}; not thread-safe.
 *
 * <p><b>When.</b> Continuously, at low rate: every {@code intervalMs} with a random alive peer of
 * this node's region, every {@code crossRegionIntervalMs} with one of another region. Soon, without
 * waiting for a round: at start (with the first alive peer), for a peer replication reports behind
 * the log's retention (until an exchange with it succeeds), and for keys quarantined here (fetched
 * from a peer). On demand: jobs that exchange with every alive replica, or every alive replica of
 * one region, whose progress {@link #job} reports.
 *
 * <p><b>Serving.</b> Answers peers' tree requests from the local replica: the top at once (the tree
 * is in memory), key pages off the logical thread. Answers count against this node's byte rate as
 * its own exchanges do (the continuous one: a request does not say whether its exchange is a
 * job's), and leaves, keys and records are served only while the rate allows, so a node many peers
 * exchange with at once keeps to its rate too.
 *
 * <p><b>One exchange per pair of nodes.</b> Two exchanges between the same two nodes would ship the
 * same differences twice (a node that starts on an empty data directory pulls everything, while
 * every peer whose stream skipped over the trimmed log would push everything). So no exchange is
 * started with a peer that is running one with this node (it asked for trees, keys or records
 * within the last {@link #peerQuietMs} ms), and a catch-up waits {@link #catchUpDelayMs} ms, giving
 * the peer's own start-up sync time to begin; a catch-up that then finds equal trees costs one
 * round trip.
 *
 * <p><b>Bounded.</b> One exchange per peer at a time and at most {@code exchangesMax} at once; the
 * continuous and triggered exchanges share one byte rate and jobs another; at most {@link
 * #SERVING_MAX} key pages are read for peers at once (more requests are dropped: their askers try
 * again); at most {@code jobsKept} finished jobs are remembered.
 */
public final class AntiEntropy {

  /** Key pages read for peers at once, at most. */
  static final int SERVING_MAX = 8;

  /**
   * Peers' requests waiting for this node's byte rate, at most (more are dropped: their askers try
   * again).
   */
  static final int SERVING_DEFERRED_MAX = 64;

  /** Outstanding tree requests of this node, at most. */
  static final int REQUESTS_PENDING_MAX = 1024;

  /** The most bytes of records in one answer of whole leaves' records (about: whole leaves). */
  static final long LEAF_RECORDS_BYTES_MAX = 4L << 20;

  /**
   * Told when an exchange converged, this node's or the peer's ({@link
   * AntiEntropyMessage.ExchangeDone}): every difference was shipped both ways, and nothing was left
   * out for being corrupt (after {@link Replication#antiEntropyCompleted} heard of it).
   */
  @FunctionalInterface
  public interface CompletionListener {
    /**
     * @param peer the peer
     * @param peerComplete the peer's complete watermarks when the exchange began: this replica now
     *     holds everything they name
     */
    void completed(NodeId peer, Map<ReplicaId, Long> peerComplete);
  }

  /** The answer to {@link #startJob}. */
  public sealed interface JobStart {
    record Started(JobStatus status) implements JobStart {}

    record UnknownRegion(SortedSet<String> known) implements JobStart {}
  }

  /** Totals since start, for metrics. */
  public record Totals(
      Map<ExchangeReport.Scope, Map<ExchangeReport.Outcome, Long>> syncs,
      long keysRepaired,
      long bytesSent,
      long bytesReceived,
      long quarantinedRepaired,
      long immediateMerges,
      long delayedMerges,
      long forcedMerges,
      int running) {}

  private static final class Peer {
    final NodeId id;
    String region;
    NodeAddress address;
    boolean alive;

    Peer(NodeId id) {
      this.id = id;
    }
  }

  private final Env env;
  private final NodeId self;
  private final String region;
  private final LocalReplica local;
  private final Replication replication;
  private final AntiEntropyOptions options;
  private final Exchange.Context context;
  private final Requests<AntiEntropyMessage> requests;
  private final TokenBucket bucket;
  private final TokenBucket jobBucket;
  private final CausalGate gate;
  private final RecordExchange records;
  private final ToLongFunction<KeyedRecord> recordBytes;
  private final Map<NodeId, Peer> peers = new TreeMap<>();
  private final Map<NodeId, Exchange> running = new TreeMap<>();
  private final TreeMap<NodeId, Long> catchUp = new TreeMap<>();
  private final Map<NodeId, Long> peerActivityMs = new TreeMap<>();
  private final LinkedHashMap<String, SyncJob> jobs = new LinkedHashMap<>();
  private final List<CompletionListener> completionListeners = new ArrayList<>();
  private final List<Consumer<ExchangeReport>> reportListeners = new ArrayList<>();
  private final Map<ExchangeReport.Scope, Map<ExchangeReport.Outcome, Long>> syncs =
      new EnumMap<>(ExchangeReport.Scope.class);
  private final String jobPrefix;
  private long jobSeq;
  private boolean syncPending;
  private boolean syncRunning;
  private boolean quarantineRepairRunning;

  /**
   * Per quarantined key, this replica's own last sequence when anti-entropy first saw it
   * quarantined: the store refuses writes to a quarantined key, so its damaged copy shows none of
   * this replica's own entries after that. Keys no longer quarantined are dropped.
   */
  private final Map<KeyRef, Long> quarantinedOwnThrough = new HashMap<>();

  private long quarantineAnswersBehind;
  private int serving;
  private int servingDeferred;
  private boolean started;
  private boolean stopped;
  private Cancellable regionTimer;
  private Cancellable crossTimer;
  private Cancellable urgentTimer;
  private long keysRepaired;
  private long bytesSent;
  private long bytesReceived;
  private long quarantinedRepaired;

  private final Exchange.Traffic traffic =
      new Exchange.Traffic() {
        @Override
        public void sent(long bytes) {
          bytesSent += bytes;
        }

        @Override
        public void received(long bytes) {
          bytesReceived += bytes;
        }
      };

  /**
   * @param replication this node's delta streams: anti-entropy adopts peers' horizons into it and
   *     reports converged exchanges to it ({@link Replication#antiEntropyCompleted})
   * @param records the record exchange of this node, whose pushes pass {@code gate}
   * @param gate the causal gate fetched records pass before they are merged
   * @param recordBytes the size a record takes on the wire with its key (for the rate, the figures
   *     and the bound of answers)
   */
  public AntiEntropy(
      Env env,
      NodeId self,
      String region,
      NodeAddress selfAddress,
      LocalReplica local,
      Replication replication,
      RecordExchange records,
      CausalGate gate,
      AntiEntropyOptions options,
      ToLongFunction<KeyedRecord> recordBytes) {
    this.env = env;
    this.self = self;
    this.region = region;
    this.local = local;
    this.replication = replication;
    this.options = options;
    this.records = records;
    this.gate = gate;
    this.recordBytes = recordBytes;
    this.requests = new Requests<>(env, REQUESTS_PENDING_MAX, AntiEntropyMessage::requestId);
    this.context =
        new Exchange.Context(
            env,
            self,
            selfAddress,
            local,
            replication,
            records,
            gate,
            requests,
            options,
            recordBytes);
    this.bucket = new TokenBucket(options.bytesPerSec(), env.nowMs());
    this.jobBucket = new TokenBucket(options.jobBytesPerSec(), env.nowMs());
    this.jobPrefix = Long.toString(env.wallClockMs(), 36);
    for (ExchangeReport.Scope s : ExchangeReport.Scope.values()) {
      Map<ExchangeReport.Outcome, Long> m = new EnumMap<>(ExchangeReport.Outcome.class);
      for (ExchangeReport.Outcome o : ExchangeReport.Outcome.values()) {
        m.put(o, 0L);
      }
      syncs.put(s, m);
    }
  }

  /** Starts the rounds; with {@code syncOnStart}, an exchange as soon as a peer is alive. */
  public void start() {
    started = true;
    syncPending = options.syncOnStart();
    if (options.intervalMs() > 0) {
      regionTimer =
          env.schedule(jitter(options.intervalMs()), () -> round(ExchangeReport.Scope.REGION));
    }
    if (options.crossRegionIntervalMs() > 0) {
      crossTimer =
          env.schedule(
              jitter(options.crossRegionIntervalMs()),
              () -> round(ExchangeReport.Scope.CROSS_REGION));
    }
    urgentTimer = env.schedule(options.urgentCheckMs(), this::urgent);
  }

  /** Stops: timers cancelled, exchanges and jobs end as failed, no more requests are served. */
  public void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    for (Cancellable c : new Cancellable[] {regionTimer, crossTimer, urgentTimer}) {
      if (c != null) {
        c.cancel();
      }
    }
    for (Exchange x : List.copyOf(running.values())) {
      x.abort("the node stopped");
    }
    requests.stop();
  }

  /** A delay of {@code ms} ± 20%, so that nodes started together do not run rounds in step. */
  private long jitter(long ms) {
    long spread = Math.max(1, ms / 5);
    return Math.max(1, ms - spread + env.random().nextLong(2 * spread + 1));
  }

  // ---- membership ----

  /** Called with a member's state whenever membership learns it. */
  public void memberChanged(NodeId id, String memberRegion, NodeAddress address, MemberState s) {
    if (id.equals(self)) {
      return;
    }
    if (s == MemberState.LEFT || s == MemberState.REMOVED) {
      peers.remove(id);
      catchUp.remove(id);
      peerActivityMs.remove(id);
      return;
    }
    Peer p = peers.computeIfAbsent(id, Peer::new);
    p.region = memberRegion;
    p.address = address;
    p.alive = s == MemberState.ALIVE;
  }

  /**
   * Replication fell behind the log's retention for {@code peer}: exchange with it soon (after
   * {@link #catchUpDelayMs}, and once it is not exchanging with this node itself).
   */
  public void catchUp(NodeId peer) {
    if (!peer.equals(self)) {
      catchUp.putIfAbsent(peer, env.nowMs() + catchUpDelayMs());
    }
  }

  /**
   * A peer asked this node for trees, keys or records: it is running an exchange with this node
   * (the node also calls this for the record exchange's requests, which it dispatches).
   */
  public void peerActive(NodeId peer) {
    peerActivityMs.put(peer, env.nowMs());
  }

  /** How long after a peer's last request this node still counts it as exchanging with it. */
  long peerQuietMs() {
    return 2 * options.urgentCheckMs();
  }

  /** How long a catch-up waits before its first attempt. */
  long catchUpDelayMs() {
    return 5 * options.urgentCheckMs();
  }

  private boolean busyWithUs(Peer p) {
    Long last = peerActivityMs.get(p.id);
    return last != null && env.nowMs() - last < peerQuietMs();
  }

  public void onExchangeCompleted(CompletionListener l) {
    completionListeners.add(l);
  }

  /** Calls {@code l} with the report of every exchange that ends. */
  public void onExchangeFinished(Consumer<ExchangeReport> l) {
    reportListeners.add(l);
  }

  // ---- scheduling ----

  private void round(ExchangeReport.Scope scope) {
    if (stopped) {
      return;
    }
    boolean sameRegion = scope == ExchangeReport.Scope.REGION;
    Peer p = pick(q -> q.region.equals(region) == sameRegion);
    if (p != null && running.size() < options.exchangesMax()) {
      exchange(p, scope, bucket, null);
    }
    long interval = sameRegion ? options.intervalMs() : options.crossRegionIntervalMs();
    Cancellable next = env.schedule(jitter(interval), () -> round(scope));
    if (sameRegion) {
      regionTimer = next;
    } else {
      crossTimer = next;
    }
  }

  private void urgent() {
    if (stopped) {
      return;
    }
    if (syncPending && !syncRunning && running.size() < options.exchangesMax()) {
      Peer p = pick(q -> q.region.equals(region));
      if (p == null) {
        p = pick(q -> true);
      }
      if (p != null) {
        syncRunning = true;
        exchange(
            p,
            scopeOf(p),
            bucket,
            x -> {
              syncRunning = false;
              if (!x.failed()) {
                syncPending = false;
              }
            });
      }
    }
    for (Map.Entry<NodeId, Long> due : List.copyOf(catchUp.entrySet())) {
      NodeId id = due.getKey();
      Peer p = peers.get(id);
      if (due.getValue() <= env.nowMs()
          && p != null
          && p.alive
          && !running.containsKey(id)
          && !busyWithUs(p)) {
        if (running.size() >= options.exchangesMax()) {
          break;
        }
        exchange(
            p,
            scopeOf(p),
            bucket,
            x -> {
              if (!x.failed()) {
                catchUp.remove(id);
              }
            });
      }
    }
    jobs.values().forEach(this::pumpJob);
    if (!quarantineRepairRunning) {
      repairQuarantined();
    }
    urgentTimer = env.schedule(options.urgentCheckMs(), this::urgent);
  }

  private ExchangeReport.Scope scopeOf(Peer p) {
    return p.region.equals(region)
        ? ExchangeReport.Scope.REGION
        : ExchangeReport.Scope.CROSS_REGION;
  }

  /**
   * A random alive peer that matches, with no exchange running with this node either way, or null.
   */
  private Peer pick(java.util.function.Predicate<Peer> match) {
    List<Peer> candidates = new ArrayList<>();
    for (Peer p : peers.values()) {
      if (p.alive
          && p.address != null
          && !running.containsKey(p.id)
          && !busyWithUs(p)
          && match.test(p)) {
        candidates.add(p);
      }
    }
    return candidates.isEmpty() ? null : candidates.get(env.random().nextInt(candidates.size()));
  }

  private void exchange(
      Peer p, ExchangeReport.Scope scope, TokenBucket rate, Consumer<Exchange> then) {
    Exchange x =
        new Exchange(
            context,
            p.id,
            p.region,
            p.address,
            scope,
            rate,
            traffic,
            ended -> {
              running.remove(ended.peer());
              finished(ended);
              if (then != null) {
                then.accept(ended);
              }
            });
    running.put(p.id, x);
    x.start();
  }

  private void finished(Exchange x) {
    ExchangeReport r = x.report();
    syncs.get(r.scope()).merge(r.outcome(), 1L, Long::sum);
    keysRepaired += r.keysRepaired();
    if (x.converged() && !stopped) {
      // This replica holds everything the peer's complete watermarks named at the start, and the
      // peer everything this one's did: both may cover the holes their streams skipped.
      Map<ReplicaId, Long> peerComplete = x.peerComplete().toMap();
      replication.antiEntropyCompleted(x.peer(), peerComplete);
      completionListeners.forEach(l -> l.completed(x.peer(), peerComplete));
      Peer p = peers.get(x.peer());
      if (p != null && p.address != null) {
        env.send(
            p.address,
            new AntiEntropyMessage.ExchangeDone(self, x.treeRequestId(), x.myComplete()));
      }
    }
    reportListeners.forEach(l -> l.accept(r));
  }

  // ---- quarantined keys ----

  /**
   * Fetches keys quarantined here from an alive peer (this region's first) and merges them.
   *
   * <p>The peer's record <i>replaces</i> the damaged copy, so it must show everything the damaged
   * copy may have shown, and every delta merged here since (the store drops deltas to a quarantined
   * key, yet replication counts them applied): otherwise a delete merged here could be lost while
   * this replica's watermarks say it has it, the delete become stable and its tombstone be
   * collected everywhere, and the stale live record here bring the key back. So the answer is
   * merged only if the peer had applied (before it read the records) everything this replica has
   * applied now, and this replica's own entries up to when the key was quarantined; otherwise it is
   * dropped and asked again at the next round, when the peer has caught up.
   */
  private void repairQuarantined() {
    List<KeyRef> quarantined = local.quarantined();
    quarantinedOwnThrough.keySet().retainAll(quarantined);
    if (quarantined.isEmpty()) {
      return;
    }
    for (KeyRef k : quarantined) {
      quarantinedOwnThrough.putIfAbsent(k, local.lastSequence());
    }
    Peer p = pickAny(q -> q.region.equals(region));
    if (p == null) {
      p = pickAny(q -> true);
    }
    if (p == null) {
      return;
    }
    List<KeyRef> keys =
        quarantined.subList(0, Math.min(quarantined.size(), RecordMessage.KEYS_MAX));
    long ownThrough = 0;
    for (KeyRef k : keys) {
      ownThrough = Math.max(ownThrough, quarantinedOwnThrough.get(k));
    }
    long own = ownThrough;
    quarantineRepairRunning = true;
    records.fetch(
        p.address,
        keys,
        options.requestTimeoutMs(),
        r -> {
          if (r.isEmpty() || r.get().found().isEmpty() || stopped) {
            quarantineRepairRunning = false;
            return;
          }
          RecordMessage.Records got = r.get();
          boolean admitted = gate.admit(got.covers(), () -> mergeQuarantineRepair(got, own));
          if (!admitted) {
            quarantineRepairRunning = false;
          }
        });
  }

  private void mergeQuarantineRepair(RecordMessage.Records got, long ownThrough) {
    VersionVector needed = local.appliedVector().with(local.replicaId(), ownThrough);
    if (stopped || !got.applied().dominates(needed)) {
      quarantineAnswersBehind++;
      quarantineRepairRunning = false;
      return;
    }
    local.mergeRecords(
        got.found(),
        got.covers(),
        changed -> {
          quarantineRepairRunning = false;
          if (changed > 0) {
            quarantinedRepaired += changed;
            keysRepaired += changed;
          }
        });
  }

  /**
   * Quarantine repairs dropped because the peer's answer was behind this replica (see {@link
   * #repairQuarantined}).
   */
  public long quarantineAnswersBehind() {
    return quarantineAnswersBehind;
  }

  /** A random alive peer that matches, busy or not, or null. */
  private Peer pickAny(java.util.function.Predicate<Peer> match) {
    List<Peer> candidates = new ArrayList<>();
    for (Peer p : peers.values()) {
      if (p.alive && p.address != null && match.test(p)) {
        candidates.add(p);
      }
    }
    return candidates.isEmpty() ? null : candidates.get(env.random().nextInt(candidates.size()));
  }

  // ---- jobs ----

  /**
   * Starts a job: with {@code region} null, an exchange with every alive replica; else with every
   * alive replica of {@code region} (which must be known: this node's or a member's).
   */
  public JobStart startJob(String jobRegion) {
    if (jobRegion != null) {
      SortedSet<String> known = regions();
      if (!known.contains(jobRegion)) {
        return new JobStart.UnknownRegion(known);
      }
    }
    List<NodeId> targets = new ArrayList<>();
    for (Peer p : peers.values()) {
      if (p.alive && p.address != null && (jobRegion == null || p.region.equals(jobRegion))) {
        targets.add(p.id);
      }
    }
    String id = jobPrefix + "-" + ++jobSeq;
    SyncJob job =
        new SyncJob(
            id,
            jobRegion == null ? SyncJob.Kind.FULL_SYNC : SyncJob.Kind.REGION_SYNC,
            jobRegion,
            targets,
            env.wallClockMs());
    jobs.put(id, job);
    forgetOldJobs();
    pumpJob(job);
    return new JobStart.Started(job.status());
  }

  /** The job's progress, if it is known (running, or among the last finished ones). */
  public Optional<JobStatus> job(String id) {
    SyncJob j = jobs.get(id);
    return j == null ? Optional.empty() : Optional.of(j.status());
  }

  /** This node's region and every member's (dead ones included). */
  public SortedSet<String> regions() {
    SortedSet<String> known = new TreeSet<>();
    known.add(region);
    for (Peer p : peers.values()) {
      known.add(p.region);
    }
    return known;
  }

  private void pumpJob(SyncJob job) {
    if (job.finished() || stopped) {
      return;
    }
    for (Iterator<NodeId> it = job.waiting.iterator(); it.hasNext(); ) {
      if (job.running.size() >= SyncJob.PARALLEL) {
        break;
      }
      NodeId id = it.next();
      Peer p = peers.get(id);
      if (p == null || !p.alive) {
        it.remove();
        job.skipped(id);
        continue;
      }
      if (running.containsKey(id) || busyWithUs(p)) {
        continue; // an exchange with it is running: the job's turn comes after it
      }
      it.remove();
      exchangeForJob(job, p);
    }
    if (job.waiting.isEmpty() && job.running.isEmpty()) {
      job.finishedAtMs = env.wallClockMs();
    }
  }

  private void exchangeForJob(SyncJob job, Peer p) {
    exchange(
        p,
        ExchangeReport.Scope.JOB,
        jobBucket,
        x -> {
          job.exchanged(x);
          pumpJob(job);
        });
    Exchange x = running.get(p.id);
    if (x != null && !x.isDone()) {
      job.running.add(x);
    }
  }

  private void forgetOldJobs() {
    int finished = 0;
    for (SyncJob j : jobs.values()) {
      if (j.finished()) {
        finished++;
      }
    }
    for (Iterator<SyncJob> it = jobs.values().iterator();
        it.hasNext() && finished > options.jobsKept(); ) {
      if (it.next().finished()) {
        it.remove();
        finished--;
      }
    }
  }

  // ---- serving peers ----

  /** Delivers an anti-entropy message. */
  public void onMessage(AntiEntropyMessage m) {
    if (stopped) {
      return;
    }
    switch (m) {
      case AntiEntropyMessage.TreeRequest r -> {
        peerActive(r.from());
        serveTree(r);
      }
      case AntiEntropyMessage.LeavesRequest r -> {
        peerActive(r.from());
        whenRateAllows(servingDeadlineMs(), () -> serveLeaves(r));
      }
      case AntiEntropyMessage.KeysRequest r -> {
        peerActive(r.from());
        whenRateAllows(servingDeadlineMs(), () -> serveKeys(r));
      }
      case AntiEntropyMessage.LeafRecordsRequest r -> {
        peerActive(r.from());
        whenRateAllows(servingDeadlineMs(), () -> serveLeafRecords(r));
      }
      case AntiEntropyMessage.TreeReply r -> requests.answered(r);
      case AntiEntropyMessage.LeavesReply r -> requests.answered(r);
      case AntiEntropyMessage.KeysReply r -> requests.answered(r);
      case AntiEntropyMessage.LeafRecords r -> requests.answered(r);
      case AntiEntropyMessage.ExchangeDone d -> {
        Map<ReplicaId, Long> complete = d.complete().toMap();
        replication.antiEntropyCompleted(d.from(), complete);
        completionListeners.forEach(l -> l.completed(d.from(), complete));
      }
    }
  }

  /**
   * A request waits for the rate at most half of its asker's timeout (the options are the
   * cluster's): an answer later than that would likely cross the asker's second attempt.
   */
  private long servingDeadlineMs() {
    return env.nowMs() + options.requestTimeoutMs() / 2;
  }

  /**
   * Serves a peer's request now if this node's byte rate allows (its bucket is not in debt), else
   * once it does; drops it when the wait would pass {@code deadlineMs} or {@link
   * #SERVING_DEFERRED_MAX} requests wait already.
   */
  private void whenRateAllows(long deadlineMs, Runnable serve) {
    long waitMs = bucket.waitMs(env.nowMs());
    if (waitMs == 0) {
      serve.run();
      return;
    }
    if (env.nowMs() + waitMs > deadlineMs || servingDeferred >= SERVING_DEFERRED_MAX) {
      return; // the asker's request times out and is sent again
    }
    servingDeferred++;
    env.schedule(
        waitMs,
        () -> {
          servingDeferred--;
          if (!stopped) {
            whenRateAllows(deadlineMs, serve);
          }
        });
  }

  /** Sends an answer to a peer's request, charged to this node's byte rate. */
  private void answer(NodeAddress to, AntiEntropyMessage m, long bytes) {
    env.send(to, m);
    bucket.charge(bytes, env.nowMs());
  }

  private void serveTree(AntiEntropyMessage.TreeRequest r) {
    // The asker's horizon before anything it pushes is merged here.
    replication.learnHorizon(r.horizon());
    // The complete watermarks first: the tree read after them reflects at least that much.
    VersionVector complete = VersionVector.of(replication.completeVector());
    long[] branches = local.merkleBranches();
    long root = Merkle.root(branches);
    TreeSums sums = root == r.root() ? TreeSums.EMPTY : TreeSums.of(branches);
    AntiEntropyMessage.TreeReply reply =
        new AntiEntropyMessage.TreeReply(
            self, r.requestId(), root, sums, complete, replication.horizon());
    answer(r.replyTo(), reply, Exchange.treeReplyBytes(reply));
  }

  private void serveLeaves(AntiEntropyMessage.LeavesRequest r) {
    long[] all = new long[r.branches().size() * Merkle.LEAVES_PER_BRANCH];
    for (int i = 0; i < r.branches().size(); i++) {
      long[] leaves = local.merkleLeaves(r.branches().get(i));
      System.arraycopy(leaves, 0, all, i * Merkle.LEAVES_PER_BRANCH, Merkle.LEAVES_PER_BRANCH);
    }
    AntiEntropyMessage.LeavesReply reply =
        new AntiEntropyMessage.LeavesReply(self, r.requestId(), r.branches(), TreeSums.of(all));
    answer(r.replyTo(), reply, Exchange.leavesReplyBytes(reply));
  }

  private void serveKeys(AntiEntropyMessage.KeysRequest r) {
    if (serving >= SERVING_MAX || r.leaves().isEmpty()) {
      return; // busy: the asker's request times out and is sent again
    }
    serving++;
    local.merkleKeys(
        r.leaves(),
        r.keysMax(),
        page -> {
          serving--;
          if (stopped) {
            return;
          }
          List<KeyHash> keys = page.keys();
          int read = page.leavesRead();
          if (keys.size() > AntiEntropyMessage.KEYS_REPLY_MAX) {
            // Whole leaves past the bound: answer the leaves that fit (none: no answer).
            int cut = keys.get(AntiEntropyMessage.KEYS_REPLY_MAX).leaf();
            keys = keys.stream().filter(k -> k.leaf() < cut).toList();
            read = r.leaves().indexOf(cut);
            if (read <= 0) {
              return;
            }
          }
          answer(
              r.replyTo(),
              new AntiEntropyMessage.KeysReply(self, r.requestId(), keys, read),
              Exchange.keysReplyBytes(keys));
        });
  }

  /**
   * Answers the records of whole leaves: their keys from the tree, then their records, cut at a
   * leaf boundary once {@link #LEAF_RECORDS_BYTES_MAX} is passed (at least one leaf).
   */
  private void serveLeafRecords(AntiEntropyMessage.LeafRecordsRequest r) {
    if (serving >= SERVING_MAX || r.leaves().isEmpty()) {
      return; // busy: the asker's request times out and is sent again
    }
    serving++;
    local.merkleKeys(
        r.leaves(),
        r.keysMax(),
        page -> {
          if (stopped) {
            serving--;
            return;
          }
          List<KeyRef> keys = new ArrayList<>(page.keys().size());
          page.keys().forEach(k -> keys.add(k.key()));
          local.readRecords(
              keys,
              read -> {
                serving--;
                if (!stopped) {
                  answerLeafRecords(r, page.leavesRead(), read.found(), read.unreadable());
                }
              });
        });
  }

  private void answerLeafRecords(
      AntiEntropyMessage.LeafRecordsRequest r,
      int leavesRead,
      List<KeyedRecord> found,
      List<KeyRef> unreadable) {
    Map<Integer, List<KeyedRecord>> byLeaf = new TreeMap<>();
    for (KeyedRecord kr : found) {
      byLeaf.computeIfAbsent(Merkle.leaf(kr.key()), l -> new ArrayList<>()).add(kr);
    }
    List<KeyedRecord> out = new ArrayList<>();
    long bytes = 0;
    int answered = 0;
    for (int i = 0; i < leavesRead; i++) {
      List<KeyedRecord> leaf = byLeaf.getOrDefault(r.leaves().get(i), List.of());
      long size = 0;
      for (KeyedRecord kr : leaf) {
        size += recordBytes.applyAsLong(kr);
      }
      boolean tooMany = out.size() + leaf.size() > AntiEntropyMessage.KEYS_REPLY_MAX;
      if (answered > 0 && (bytes + size > LEAF_RECORDS_BYTES_MAX || tooMany)) {
        break;
      }
      if (tooMany) {
        return; // one leaf past every bound: no answer
      }
      out.addAll(leaf);
      bytes += size;
      answered++;
    }
    int unreadableAnswered = 0;
    java.util.Set<Integer> leavesAnswered =
        new java.util.HashSet<>(r.leaves().subList(0, answered));
    for (KeyRef k : unreadable) {
      if (leavesAnswered.contains(Merkle.leaf(k))) {
        unreadableAnswered++;
      }
    }
    // Taken after the read: everything the records show is below it.
    VersionVector covers = local.coverage();
    AntiEntropyMessage.LeafRecords reply =
        new AntiEntropyMessage.LeafRecords(
            self, r.requestId(), out, answered, unreadableAnswered, covers);
    answer(r.replyTo(), reply, Exchange.leafRecordsBytes(reply, recordBytes));
  }

  // ---- figures ----

  public Totals totals() {
    Map<ExchangeReport.Scope, Map<ExchangeReport.Outcome, Long>> copy =
        new EnumMap<>(ExchangeReport.Scope.class);
    syncs.forEach((s, m) -> copy.put(s, new EnumMap<>(m)));
    return new Totals(
        copy,
        keysRepaired,
        bytesSent,
        bytesReceived,
        quarantinedRepaired,
        gate.immediateMerges(),
        gate.delayedMerges(),
        gate.forcedMerges(),
        running.size());
  }

  /** Whether {@link #start} ran and {@link #stop} did not. */
  public boolean isRunning() {
    return started && !stopped;
  }

  /** Exchanges running now, by peer. */
  public List<NodeId> exchangesRunning() {
    return List.copyOf(running.keySet());
  }
}
