package io.geodatastore.cluster.replication;

import io.geodatastore.cluster.Cancellable;
import io.geodatastore.cluster.Env;
import io.geodatastore.cluster.MemberState;
import io.geodatastore.cluster.NodeAddress;
import io.geodatastore.cluster.NodeId;
import io.geodatastore.cluster.ReplicationMessage;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.storage.LogEntry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Per-origin delta streams (ARCHITECTURE.md, "Per-origin delta streams"), as a state machine driven
 * by an {@link Env}: not thread-safe, every call on the node's one logical thread.
 *
 * <p><b>Sending.</b> This node numbers the entries it originates (the store does). For each peer it
 * keeps what the peer acknowledged and what was sent; it sends consecutive entries in batches
 * (bounded by count, bytes and a short delay that lets concurrent writes share a batch), keeps at
 * most a window of them unacknowledged, and after a silence resends from the last acknowledgement.
 * A peer that comes up is first probed for its watermark, so a restart on either side resumes
 * exactly where the receiver is. The log is trimmed up to the lowest acknowledgement; a peer more
 * than the retention limit behind stops holding the trim back and is marked for anti-entropy
 * catch-up, and its stream jumps over the trimmed gap ({@code skipTo}).
 *
 * <p><b>Receiving.</b> Batches of one origin are merged in order, a few under way at once (merges
 * are idempotent, so duplicates are harmless); the watermark advances only over consecutive entries
 * that are durable here, is persisted, and is acknowledged to the sender.
 *
 * <p><b>Causal delivery.</b> An entry is merged only once every entry it depends on ({@link
 * LogEntry#deps()}) is merged here: its origin's watermark here has reached the dependency (this
 * replica's own entries always have). The consecutive entries of an origin wait in order, and the
 * longest prefix whose dependencies are met is merged; a blocked origin is looked at again whenever
 * another origin's watermark advances. So no replica ever shows an update without the updates it
 * causally depends on, across keys. It cannot deadlock: an entry depends only on entries its origin
 * had received before writing it, so "waits for" follows real time and has no cycle (see {@code
 * DependencyTracker}). A range skipped over ({@code skipTo}) counts as merged: the watermark moved,
 * and the gap is anti-entropy's.
 *
 * <p><b>Write levels.</b> {@link #awaitAcks} completes when enough replicas acknowledged a sequence
 * number, or reports what was reached when time runs out.
 *
 * <p><b>Causal stability.</b> A {@link Stability} keeps the ranges of other origins skipped by a
 * {@code skipTo} (holes, until anti-entropy covers them: {@link #antiEntropyCompleted}), every
 * member's progress on this node's log, and the fence. Every {@code stabilityIntervalMs} the node
 * reports its complete watermarks, stable sequence, fence and horizon to every peer; the horizon is
 * {collectable sequence of each origin}, raised in the replica (which collects under it) and
 * carried by every batch, so that a receiver merges an entry under at least the horizon it was
 * written under. A stream never sends a peer entries at or below this node's stable sequence (they
 * are merged at every member, so a peer behind them is new or lost its data): it skips them,
 * leaving the peer a hole for anti-entropy, so that no entry concurrent with a collected delete is
 * ever merged after the delete's tombstone is gone.
 */
public final class Replication {

  /** The most merges of one origin under way at once (see {@link #merge}). */
  static final int MERGES_IN_FLIGHT_MAX = 4;

  private final Env env;
  private final NodeId self;
  private final String region;
  private final LocalReplica local;
  private final ReplicationOptions options;
  private final Map<NodeId, PeerStream> peers = new TreeMap<>();
  private final Map<ReplicaId, Inbound> inbound = new TreeMap<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private final List<Consumer<NodeId>> catchUpListeners = new ArrayList<>();
  private final List<Runnable> appliedListeners = new ArrayList<>();
  private final Stability stability;
  private VersionVector horizon = VersionVector.EMPTY;
  private long lastReportMs = Long.MIN_VALUE / 2;
  private Set<NodeId> persistedPeers = Set.of();
  private boolean pumpScheduled;
  private long lastPumpMs = Long.MIN_VALUE / 2;
  private Cancellable ticker;
  private long deltasSent;
  private long deltasReceived;
  private long catchUpsNeeded;
  private long entriesHeldForDeps;
  private boolean retrying;
  private boolean retryAgain;

  public Replication(
      Env env, NodeId self, String region, LocalReplica local, ReplicationOptions options) {
    this.env = env;
    this.self = self;
    this.region = region;
    this.local = local;
    this.options = options;
    this.stability = new Stability(local.replicaId());
  }

  /**
   * Starts the housekeeping timer. The peers the last trim relied on (persisted by the replica)
   * become streams that are down until membership reports them, so that a restarted node does not
   * trim entries a peer it has not heard of yet still needs.
   */
  public void start() {
    horizon = local.horizon();
    byte[] state = local.stabilityState();
    if (state != null) {
      try {
        stability.decode(state);
      } catch (IllegalArgumentException e) {
        // Its holes cannot be known any more; trusting the applied marks without them could
        // collect a delete this replica never merged. Refuse rather than guess.
        throw new IllegalStateException(
            "the replica's causal-stability state is unreadable (" + e.getMessage() + ")", e);
      }
    }
    Map<NodeId, Long> persisted = local.peerAcks();
    persistedPeers = persisted.keySet();
    persisted.forEach(
        (id, acked) -> {
          if (!id.equals(self)) {
            PeerStream p = peers.computeIfAbsent(id, PeerStream::new);
            p.acked = Math.max(p.acked, acked);
            p.sent = Math.max(p.sent, p.acked);
            stability.member(id);
          }
        });
    stability
        .members()
        .forEach(
            (id, progress) -> {
              PeerStream p = peers.get(id);
              if (p != null) {
                p.acked = Math.max(p.acked, progress[0]);
                p.sent = Math.max(p.sent, p.acked);
              }
            });
    ticker = env.schedule(options.tickMs(), this::tick);
  }

  /** Stops the timer; pending waiters are answered as not met. */
  public void stop() {
    if (ticker != null) {
      ticker.cancel();
    }
    List<Waiter> pending = List.copyOf(waiters);
    waiters.clear(); // answered once: nothing may complete them again after the stop
    for (Waiter w : pending) {
      w.finish(false);
    }
  }

  /** Called with a member's state whenever membership learns it. */
  public void memberChanged(
      NodeId id, String memberRegion, NodeAddress address, MemberState state) {
    if (id.equals(self)) {
      return;
    }
    if (state == MemberState.LEFT || state == MemberState.REMOVED) {
      // The stream goes. A node that left keeps its place in causal stability: it leaves on every
      // clean stop and may come back with its data. One an operator removed is forgotten.
      peers.remove(id);
      if (state == MemberState.REMOVED) {
        forgetMember(id);
      }
      checkWaiters();
      return;
    }
    stability.member(id);
    PeerStream p = peers.computeIfAbsent(id, PeerStream::new);
    p.region = memberRegion;
    p.address = address;
    boolean up = state == MemberState.ALIVE || state == MemberState.SUSPECT;
    if (up && !p.up) {
      p.up = true;
      p.known = false;
      probe(p);
    } else if (!up) {
      p.up = false;
    }
    checkWaiters();
  }

  /**
   * Called when a local write is durable: its entry goes out at once when no batch went out for
   * {@code batchDelayMs}, else with the batch sent when that delay is over (so that writes close
   * together share a batch, and a lone write waits for nothing).
   */
  public void localWritten() {
    if (pumpScheduled) {
      return;
    }
    long wait = lastPumpMs + options.batchDelayMs() - env.nowMs();
    if (wait <= 0) {
      pumpAll();
      return;
    }
    pumpScheduled = true;
    env.schedule(
        wait,
        () -> {
          pumpScheduled = false;
          pumpAll();
        });
  }

  private void pumpAll() {
    lastPumpMs = env.nowMs();
    peers.values().forEach(this::pump);
  }

  /** Delivers a replication message. */
  public void onMessage(ReplicationMessage m) {
    switch (m) {
      case ReplicationMessage.DeltaBatch b -> onBatch(b);
      case ReplicationMessage.BatchAck a -> onAck(a);
      case ReplicationMessage.StreamProbe p -> {
        long applied = inbound(p.origin()).applied;
        reply(p.from(), new ReplicationMessage.BatchAck(self, p.origin(), applied));
      }
      case ReplicationMessage.StabilityReport r -> onReport(r);
    }
  }

  /** Calls {@code listener} with a peer that fell behind the log's retention. */
  public void onCatchUpNeeded(Consumer<NodeId> listener) {
    catchUpListeners.add(listener);
  }

  /**
   * Calls {@code listener} whenever the applied watermark of another origin moved (the local
   * replica's {@link LocalReplica#appliedVector()} grew), e.g. to serve reads waiting for it.
   */
  public void onApplied(Runnable listener) {
    appliedListeners.add(listener);
  }

  private void appliedMoved() {
    appliedListeners.forEach(Runnable::run);
  }

  // ---- sending ----

  private void probe(PeerStream p) {
    p.lastProbeMs = env.nowMs();
    env.send(p.address, new ReplicationMessage.StreamProbe(self, local.replicaId()));
  }

  private void pump(PeerStream p) {
    if (!p.up || !p.known) {
      return;
    }
    long last = local.lastSequence();
    while (p.sent < last && p.sent - p.acked < options.windowEntriesMax()) {
      long from = p.sent + 1;
      long skipTo = 0;
      long floor = Math.max(local.firstRetainedSequence(), stability.stable() + 1);
      if (from < floor) {
        skipTo = floor;
        from = floor;
        markCatchUp(p);
      }
      int room =
          (int)
              Math.min(options.batchEntriesMax(), options.windowEntriesMax() - (p.sent - p.acked));
      List<LogEntry> entries = local.readLog(from, room, options.batchBytesMax());
      if (entries.isEmpty() && skipTo == 0) {
        return;
      }
      ReplicationMessage.DeltaBatch b =
          new ReplicationMessage.DeltaBatch(self, local.replicaId(), skipTo, entries, horizon);
      env.send(p.address, b);
      if (p.sent == p.acked) {
        p.outstandingSinceMs = env.nowMs();
      }
      p.sent = b.lastSequence();
      p.lastSendMs = env.nowMs();
      deltasSent += entries.size();
    }
  }

  private void markCatchUp(PeerStream p) {
    if (!p.needsCatchUp) {
      p.needsCatchUp = true;
      catchUpsNeeded++;
      catchUpListeners.forEach(l -> l.accept(p.id));
    }
  }

  private void onAck(ReplicationMessage.BatchAck a) {
    PeerStream p = peers.get(a.from());
    if (p == null || !a.origin().equals(local.replicaId())) {
      return;
    }
    boolean wasProbing = !p.known;
    boolean windowWasFull = p.sent - p.acked >= options.windowEntriesMax();
    if (!p.known) {
      // The answer to a probe is where the receiver is now, even below what it acknowledged
      // before: it may have lost its watermark or its data (a new replica under the same node id).
      // Resending from an acknowledgement it no longer has would stall the stream at a gap.
      p.acked = Math.min(p.acked, a.appliedThrough());
    }
    boolean progressed = a.appliedThrough() > p.acked;
    if (progressed) {
      p.acked = a.appliedThrough();
      p.lastAckMs = env.nowMs();
      if (p.needsCatchUp && local.lastSequence() - p.acked <= options.windowEntriesMax()) {
        p.needsCatchUp = false;
      }
    }
    if (!p.known) {
      // The answer to a probe: resume exactly where the receiver is, not after what was sent
      // before it went down (that was lost with it, or never arrived).
      p.known = true;
      p.sent = p.acked;
      p.lastAckMs = env.nowMs();
    } else if (p.sent < p.acked) {
      p.sent = p.acked;
    }
    if (progressed) {
      p.outstandingSinceMs = env.nowMs(); // what is still outstanding waits from now
    }
    checkWaiters();
    if (wasProbing || windowWasFull) {
      // Otherwise what was written since the last batch is on its way: the write scheduled its
      // batch. Sending it now would cut batches at every acknowledgement, a message (and a merge
      // at the receiver) every few writes when peers answer fast.
      pump(p);
    }
  }

  // ---- receiving ----

  private Inbound inbound(ReplicaId origin) {
    return inbound.computeIfAbsent(origin, o -> new Inbound(o, local.applied(o)));
  }

  private void onBatch(ReplicationMessage.DeltaBatch b) {
    learnHorizon(b.horizon()); // before merging anything its sender wrote under it
    Inbound in = inbound(b.origin());
    if (in.queuedEntries + in.held.size() + b.entries().size() > options.windowEntriesMax()) {
      return; // over the bound: the sender resends after its retransmit timeout
    }
    in.queue.add(b);
    in.queuedEntries += b.entries().size();
    drain(in);
  }

  /**
   * Merges everything of an origin that can be merged, in one step (while the most merges are under
   * way, the batches that arrive meanwhile are coalesced into the next, so merges keep up with any
   * rate, as group commit does for local writes). Queued batches are first taken in: their
   * consecutive entries after those already submitted are held in order. Then the longest prefix of
   * the held entries whose dependencies are met is merged.
   */
  private void drain(Inbound in) {
    if (in.merges.size() >= MERGES_IN_FLIGHT_MAX) {
      return;
    }
    long before = in.applied;
    boolean took = admit(in);
    boolean skipped = in.applied > before;
    int ready = readyPrefix(in);
    if (ready > 0) {
      merge(in, ready);
    } else if (took) {
      reply(in.sender, new ReplicationMessage.BatchAck(self, in.origin, in.applied));
    }
    if (skipped) {
      watermarkAdvanced();
    }
  }

  /**
   * Submits the first {@code ready} held entries as one merge. Up to {@link #MERGES_IN_FLIGHT_MAX}
   * merges of an origin are under way at once: a batch that arrives while one is being made durable
   * joins the store's next group commit instead of waiting for that one to finish (which cost it a
   * whole durable write and two thread hops more). They may complete in any order; the watermark
   * advances, in order, over those completed from the oldest on.
   */
  private void merge(Inbound in, int ready) {
    List<LogEntry> fresh = new ArrayList<>(ready);
    for (int i = 0; i < ready; i++) {
      fresh.add(in.held.poll());
    }
    PendingMerge m = new PendingMerge(fresh.getLast().id().counter(), fresh.size());
    in.merges.add(m);
    int generation = in.generation;
    local.merge(
        fresh,
        ok -> {
          if (generation != in.generation) {
            return; // given up after an earlier merge failed: the sender resends it all
          }
          m.done = true;
          m.ok = ok;
          merged(in);
        });
  }

  /** Advances the watermark over the merges completed from the oldest on, and acknowledges. */
  private void merged(Inbound in) {
    boolean advanced = false;
    boolean failed = false;
    while (!in.merges.isEmpty() && in.merges.peek().done) {
      PendingMerge m = in.merges.poll();
      if (!m.ok) {
        failed = true;
        break;
      }
      if (m.through > in.applied) {
        in.applied = m.through;
        deltasReceived += m.entries;
        advanced = true;
      }
    }
    if (failed) {
      // What follows is no longer consecutive with the watermark: the sender resends it.
      in.merges.clear();
      in.held.clear();
      in.generation++;
    } else if (!advanced) {
      return; // a later merge finished first: it waits for the earlier ones
    }
    if (advanced) {
      local.recordApplied(in.origin, in.applied);
    }
    reply(in.sender, new ReplicationMessage.BatchAck(self, in.origin, in.applied));
    drain(in);
    if (advanced) {
      watermarkAdvanced();
    }
  }

  /**
   * Moves the queued batches' entries that follow the watermark (and those already held) into the
   * held entries, jumping over a skipped range when nothing is held before it. Returns whether it
   * took any batch.
   */
  private boolean admit(Inbound in) {
    boolean took = false;
    while (!in.queue.isEmpty()) {
      ReplicationMessage.DeltaBatch b = in.queue.peek();
      if (b.skipTo() > in.submittedThrough() + 1 + in.held.size()) {
        if (!in.held.isEmpty() || !in.merges.isEmpty()) {
          break; // merge what precedes the gap first
        }
        stability.skipped(in.origin, in.applied + 1, b.skipTo() - 1);
        saveStability(); // before the watermark jumps over the hole
        in.applied = b.skipTo() - 1;
        local.recordApplied(in.origin, in.applied);
        catchUpsNeeded++;
      }
      in.queue.poll();
      in.queuedEntries -= b.entries().size();
      took = true;
      in.sender = b.from();
      for (LogEntry e : b.entries()) {
        long seq = e.id().counter();
        long expected = in.submittedThrough() + 1 + in.held.size();
        if (seq == expected) {
          in.held.add(e);
        } else if (seq > expected) {
          break; // a gap: the sender resends from our acknowledgement
        }
      }
    }
    return took;
  }

  /**
   * How many of the held entries, from the first, have their dependencies merged here. Counts the
   * entries that wait (once each) in {@link #entriesHeldForDeps}.
   */
  private int readyPrefix(Inbound in) {
    if (!options.causalDelivery()) {
      return in.held.size();
    }
    int ready = 0;
    for (LogEntry e : in.held) {
      if (!satisfied(e.deps())) {
        break;
      }
      ready++;
    }
    if (ready < in.held.size()) {
      long last = in.held.peekLast().id().counter();
      long from = Math.max(last - (in.held.size() - ready) + 1, in.countedHeldThrough + 1);
      if (last >= from) {
        entriesHeldForDeps += last - from + 1;
        in.countedHeldThrough = last;
      }
    }
    return ready;
  }

  private boolean satisfied(VersionVector deps) {
    for (int i = 0; i < deps.size(); i++) {
      ReplicaId origin = deps.replicaAt(i);
      if (!origin.equals(local.replicaId()) && inbound(origin).applied < deps.counterAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** Looks again at every origin with held entries, now that some watermark advanced. */
  private void watermarkAdvanced() {
    appliedMoved();
    if (retrying) {
      retryAgain = true; // the loop below goes round once more
      return;
    }
    retrying = true;
    try {
      do {
        retryAgain = false;
        for (Inbound other : List.copyOf(inbound.values())) {
          if (other.merges.size() < MERGES_IN_FLIGHT_MAX && !other.held.isEmpty()) {
            drain(other);
          }
        }
      } while (retryAgain);
    } finally {
      retrying = false;
    }
  }

  private void reply(NodeId to, ReplicationMessage m) {
    PeerStream p = to == null ? null : peers.get(to);
    if (p != null && p.address != null) {
      env.send(p.address, m);
    }
  }

  // ---- housekeeping ----

  private void tick() {
    long now = env.nowMs();
    for (PeerStream p : peers.values()) {
      // Checked for every peer, down ones first of all: a peer that is down is exactly the one
      // that falls behind, and must stop holding the trim back once past the retention limit.
      if (local.lastSequence() - p.acked > options.retentionEntriesMax()) {
        markCatchUp(p);
      }
      if (!p.up) {
        continue;
      }
      if (!p.known) {
        if (now - p.lastProbeMs >= options.retransmitMs()) {
          probe(p);
        }
        continue;
      }
      // Resend from the acknowledgement when the oldest outstanding entry has waited a whole
      // retransmit interval without progress. (Not "since the last send": under steady writes
      // there is always a recent send, and a lost batch would stall the stream until the window
      // filled.)
      if (p.sent > p.acked && now - p.outstandingSinceMs >= options.retransmitMs()) {
        p.sent = p.acked;
        pump(p);
      } else if (p.sent < local.lastSequence()) {
        pump(p);
      }
    }
    trim();
    stabilityTick(now);
    expireWaiters(now);
    ticker = env.schedule(options.tickMs(), this::tick);
  }

  private void trim() {
    if (peers.isEmpty()) {
      return; // nobody known yet: a joining peer will need these entries
    }
    long min = Long.MAX_VALUE;
    for (PeerStream p : peers.values()) {
      if (!p.needsCatchUp) {
        min = Math.min(min, p.acked);
      }
    }
    if (min == Long.MAX_VALUE) {
      min = local.lastSequence() - options.retentionEntriesMax();
    }
    Map<NodeId, Long> acks = new TreeMap<>();
    for (PeerStream p : peers.values()) {
      if (!p.needsCatchUp) {
        acks.put(p.id, p.acked);
      }
    }
    if (min >= local.firstRetainedSequence()) {
      local.recordPeerAcks(acks);
      persistedPeers = acks.keySet();
      local.trimLog(min);
    } else if (!acks.keySet().equals(persistedPeers)) {
      // A new peer must hold the trim back after a restart too, even before the next trim.
      local.recordPeerAcks(acks);
      persistedPeers = acks.keySet();
    }
  }

  // ---- causal stability ----

  private void stabilityTick(long now) {
    stability.advance(local.lastSequence());
    ReplicaId me = local.replicaId();
    if (stability.collectable() > horizon.get(me)) {
      learnHorizon(horizon.with(me, stability.collectable()));
    }
    if (now - lastReportMs >= options.stabilityIntervalMs()) {
      lastReportMs = now;
      ReplicationMessage.StabilityReport r =
          new ReplicationMessage.StabilityReport(
              self,
              me,
              VersionVector.of(completeVector()),
              stability.stable(),
              stability.fence(),
              horizon);
      for (PeerStream p : peers.values()) {
        if (p.up && p.address != null) {
          env.send(p.address, r);
        }
      }
    }
    if (stability.dirty()) {
      saveStability();
    }
  }

  private void onReport(ReplicationMessage.StabilityReport r) {
    if (r.from().equals(self)) {
      return;
    }
    ReplicaId me = local.replicaId();
    long complete =
        stability.reported(r.from(), r.replica(), r.complete().get(me), r.fence().get(me));
    stability.announced(r.replica(), r.stable());
    learnHorizon(r.horizon());
    PeerStream p = peers.get(r.from());
    if (p != null && p.known && complete > p.acked) {
      // Everything up to a complete watermark is durable there: as good as an acknowledgement.
      onAck(new ReplicationMessage.BatchAck(r.from(), me, complete));
    }
  }

  /**
   * Adopts what {@code h} says is causally stable (a fact wherever it was computed): raised in the
   * replica before anything else is merged.
   */
  public void learnHorizon(VersionVector h) {
    VersionVector next = horizon.merge(h);
    if (!next.equals(horizon)) {
      local.raiseHorizon(next);
      horizon = next;
    }
  }

  /**
   * Called by anti-entropy once a full exchange with {@code peer} converged: this replica now has
   * everything the peer had when the exchange began, so every skipped range at or below the peer's
   * complete watermarks of that moment ({@code peerComplete}, the peer's {@link #completeVector}
   * taken before the exchange started) is covered. The exchange must adopt the peer's horizon
   * ({@link #learnHorizon}) before merging its records.
   */
  public void antiEntropyCompleted(NodeId peer, Map<ReplicaId, Long> peerComplete) {
    if (stability.covered(peerComplete)) {
      saveStability();
    }
  }

  /**
   * Removes {@code id} from causal stability for good (an operator decommissioned it): the horizon
   * stops waiting for it. A node removed this way must never come back with its data.
   */
  public void forgetMember(NodeId id) {
    stability.forget(id);
    saveStability();
  }

  /**
   * Per origin, the complete watermark here; this replica's own entry is its last sequence. Every
   * member's origin is included, not only those heard from since the start: after a restart an idle
   * origin sends nothing, yet must learn how far this replica has its log.
   */
  public Map<ReplicaId, Long> completeVector() {
    Map<ReplicaId, Long> out = new TreeMap<>();
    for (ReplicaId origin : stability.holes().keySet()) {
      inbound(origin);
    }
    for (ReplicaId origin : stability.memberReplicas()) {
      if (!origin.equals(local.replicaId())) {
        inbound(origin);
      }
    }
    for (Inbound in : inbound.values()) {
      out.put(in.origin, stability.complete(in.origin, in.applied));
    }
    out.put(local.replicaId(), local.lastSequence());
    return out;
  }

  /** The causal-stability horizon this node applies. */
  public VersionVector horizon() {
    return horizon;
  }

  /** The causal-stability state, for figures and checks. */
  public Stability stability() {
    return stability;
  }

  private void saveStability() {
    local.recordStabilityState(stability.encode());
    stability.clean();
  }

  // ---- write levels ----

  /**
   * Calls {@code done} once the write with sequence {@code seq} is held by the replicas {@code
   * level} names, or with what was reached after {@code timeoutMs}.
   */
  public void awaitAcks(long seq, WriteLevel level, long timeoutMs, Consumer<AckOutcome> done) {
    Waiter w = new Waiter(seq, level, env.nowMs() + timeoutMs, done);
    if (!w.check()) {
      waiters.add(w);
      env.schedule(timeoutMs, () -> expireWaiters(env.nowMs()));
    }
  }

  /**
   * What a write level reached.
   *
   * @param met whether enough replicas acknowledged
   * @param acknowledged replicas holding the write, this node included
   * @param needed replicas the level needs
   * @param replicas replicas the level counts
   */
  public record AckOutcome(boolean met, int acknowledged, int needed, int replicas) {}

  private void checkWaiters() {
    waiters.removeIf(Waiter::check);
  }

  private void expireWaiters(long now) {
    for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
      Waiter w = it.next();
      if (now >= w.deadlineMs) {
        it.remove();
        w.finish(false);
      }
    }
  }

  private final class Waiter {
    final long seq;
    final WriteLevel level;
    final long deadlineMs;
    final Consumer<AckOutcome> done;

    Waiter(long seq, WriteLevel level, long deadlineMs, Consumer<AckOutcome> done) {
      this.seq = seq;
      this.level = level;
      this.deadlineMs = deadlineMs;
      this.done = done;
    }

    /** Completes and returns true when the level is met. */
    boolean check() {
      int[] c = count();
      if (c[0] >= c[1]) {
        done.accept(new AckOutcome(true, c[0], c[1], c[2]));
        return true;
      }
      return false;
    }

    void finish(boolean met) {
      int[] c = count();
      done.accept(new AckOutcome(met, c[0], c[1], c[2]));
    }

    /** {acknowledged, needed, replicas}, this node counted as one acknowledging replica. */
    private int[] count() {
      int replicas = 1;
      int acked = 1;
      for (PeerStream p : peers.values()) {
        if (!counts(level, p)) {
          continue;
        }
        replicas++;
        if (p.acked >= seq && (level != WriteLevel.LOCAL_QUORUM || p.region != null)) {
          acked++;
        }
      }
      return new int[] {acked, needed(level, replicas), replicas};
    }
  }

  /**
   * Whether {@code level} counts peer {@code p}. A peer whose region is not known yet (one known
   * only from the acknowledgements persisted before a restart, until membership reports it) counts
   * for {@code local_quorum} too, and never acknowledges for it: the majority is then taken of at
   * least this region's true replicas and met only by replicas known to be in it, so it overlaps
   * every other majority of the region. (Counting only the peers known to be here would let a node
   * that just restarted meet {@code local_quorum} alone.)
   */
  private boolean counts(WriteLevel level, PeerStream p) {
    return level != WriteLevel.LOCAL_QUORUM || p.region == null || region.equals(p.region);
  }

  /** How many of {@code replicas} (this node included) {@code level} needs. */
  public static int needed(WriteLevel level, int replicas) {
    return switch (level) {
      case LOCAL -> 1;
      case LOCAL_QUORUM, QUORUM -> replicas / 2 + 1;
      case ALL -> replicas;
    };
  }

  /**
   * A replica other than this node, as the levels count it.
   *
   * @param address where it listens; null while membership has not reported it (a peer known only
   *     from the persisted acknowledgements of an earlier life)
   * @param up whether membership holds it alive or suspect
   */
  public record Replica(NodeId id, String region, NodeAddress address, boolean up) {}

  /**
   * The replicas besides this node that {@code level} counts, exactly as the write levels count
   * them: every peer that has not left, down ones included (so that {@code all} fails while one is
   * unreachable), and for {@code local_quorum} those of this node's region and those whose region
   * is not known yet (see {@link #counts}; they have no address either, so cannot answer). {@code
   * LOCAL} counts none.
   */
  public List<Replica> replicas(WriteLevel level) {
    List<Replica> out = new ArrayList<>();
    if (level == WriteLevel.LOCAL) {
      return out;
    }
    for (PeerStream p : peers.values()) {
      if (counts(level, p)) {
        out.add(new Replica(p.id, p.region, p.address, p.up));
      }
    }
    return out;
  }

  // ---- figures ----

  /**
   * One peer's stream.
   *
   * @param peer the peer
   * @param region its region
   * @param up whether it is alive or suspect
   * @param unacknowledged entries of this node's log the peer has not acknowledged
   * @param acknowledged the peer's watermark of this node's entries
   * @param needsCatchUp whether it fell behind the log's retention
   */
  public record PeerLag(
      NodeId peer,
      String region,
      boolean up,
      long unacknowledged,
      long acknowledged,
      boolean needsCatchUp) {}

  public List<PeerLag> lag() {
    long last = local.lastSequence();
    List<PeerLag> out = new ArrayList<>();
    for (PeerStream p : peers.values()) {
      out.add(
          new PeerLag(p.id, p.region, p.up, Math.max(0, last - p.acked), p.acked, p.needsCatchUp));
    }
    return out;
  }

  public long deltasSent() {
    return deltasSent;
  }

  public long deltasReceived() {
    return deltasReceived;
  }

  public long catchUpsNeeded() {
    return catchUpsNeeded;
  }

  /**
   * Entries received in order that waited for an entry of another origin they depend on (or behind
   * one that did), each counted once.
   */
  public long entriesHeldForDeps() {
    return entriesHeldForDeps;
  }

  private static final class PeerStream {
    final NodeId id;
    String region;
    NodeAddress address;
    boolean up;
    boolean known;
    boolean needsCatchUp;
    long acked;
    long sent;
    long lastSendMs;
    long lastAckMs;
    long outstandingSinceMs;
    long lastProbeMs;

    PeerStream(NodeId id) {
      this.id = id;
    }
  }

  private static final class Inbound {
    final ReplicaId origin;
    long applied;
    int queuedEntries;

    /** The merges under way, oldest first. */
    final ArrayDeque<PendingMerge> merges = new ArrayDeque<>();

    /** Moves when the merges under way are given up, so that their completions are ignored. */
    int generation;

    final ArrayDeque<ReplicationMessage.DeltaBatch> queue = new ArrayDeque<>();

    /** Consecutive entries after the watermark, not yet merged (waiting for dependencies). */
    final ArrayDeque<LogEntry> held = new ArrayDeque<>();

    /** The sender of the last batch taken in: where acknowledgements go. */
    NodeId sender;

    /** The highest sequence counted in {@code entriesHeldForDeps}. */
    long countedHeldThrough;

    Inbound(ReplicaId origin, long applied) {
      this.origin = origin;
      this.applied = applied;
    }

    /** The last entry handed to a merge (or skipped): the held entries follow it. */
    long submittedThrough() {
      return merges.isEmpty() ? applied : Math.max(applied, merges.peekLast().through);
    }
  }

  /** One merge under way: the last entry it holds, and how it ended once it did. */
  private static final class PendingMerge {
    final long through;
    final int entries;
    boolean done;
    boolean ok;

    PendingMerge(long through, int entries) {
      this.through = through;
      this.entries = entries;
    }
  }
}
