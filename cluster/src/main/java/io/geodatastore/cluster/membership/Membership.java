package io.geodatastore.cluster.membership;

import io.geodatastore.cluster.Cancellable;
import io.geodatastore.cluster.Env;
import io.geodatastore.cluster.MemberInfo;
import io.geodatastore.cluster.MemberState;
import io.geodatastore.cluster.MemberUpdate;
import io.geodatastore.cluster.MembershipMessage;
import io.geodatastore.cluster.MembershipMessage.Ack;
import io.geodatastore.cluster.MembershipMessage.Join;
import io.geodatastore.cluster.MembershipMessage.JoinReply;
import io.geodatastore.cluster.MembershipMessage.Ping;
import io.geodatastore.cluster.MembershipMessage.PingReq;
import io.geodatastore.cluster.NodeAddress;
import io.geodatastore.cluster.NodeId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Cluster membership by SWIM (Das, Gupta, Motivala, "SWIM: Scalable Weakly-consistent
 * Infection-style Process Group Membership Protocol", DSN 2002), as a deterministic state machine
 * driven by an {@link Env}.
 *
 * <p><b>Failure detection.</b> Every {@code protocolPeriodMs} this node probes one member: the
 * members are visited in a random order that is reshuffled every round, so each is probed once per
 * round. A probe is a {@link Ping}; if no {@link Ack} comes within {@code pingTimeoutMs}, {@code
 * indirectProbes} random alive members are asked by {@link PingReq} to ping the target and relay
 * its ack. If the period ends without any ack, the target becomes {@code SUSPECT}. A suspect that
 * does not refute within the suspicion timeout becomes {@code DEAD}.
 *
 * <p><b>How φ feeds it.</b> Every message that describes a member (its own ping, ack, join, or an
 * ack relayed for it) is a heartbeat for a {@link PhiAccrualDetector}. φ never makes a member
 * suspect on its own: suspicion always takes a failed direct and indirect probe, so one slow link
 * or one overloaded observer cannot condemn a member. Instead, at each period the alive member with
 * the highest φ at or above the threshold is probed out of turn, before the round-robin would reach
 * it. A crashed member is therefore suspected about as soon as its silence is abnormal (φ) rather
 * than up to a whole round later, and confirmed by the probe (SWIM).
 *
 * <p><b>Dissemination.</b> Every state change this node makes or learns is queued and piggybacked
 * on pings and acks, at most {@code piggybackMax} per message, least-sent first, each {@code
 * retransmitMultiplier * ceil(log2(n + 1))} times for n members (SWIM's λ log n). A message to a
 * member this node believes suspect, dead or left carries that belief first, so the member can
 * refute at once. Higher incarnation wins; at equal incarnation left over dead over suspect over
 * alive ({@link MemberUpdate#supersedes}). A node that hears itself suspected or declared dead at
 * its own incarnation or above (or alive at a higher one) refutes by taking the next incarnation.
 *
 * <p><b>Joining and healing.</b> At start the node sends a {@link Join} (its full view) to every
 * seed; a seed answers with its full view. The seeds are asked again every {@code
 * joinRetryIntervalMs} while this node knows no other live member. Every {@code
 * reconnectIntervalMs} the node also exchanges full views with one random dead member or one seed
 * that no live member listens at: dead members are never probed, so without this the two sides of a
 * healed partition, each holding the other dead, would never speak again. The exchange tells the
 * other side that it was declared dead, and it refutes.
 *
 * <p><b>Restarts.</b> Nothing is persisted here. The node supplies the starting incarnation; it
 * should be the wall clock in milliseconds at start ({@link Env#wallClockMs()}). A node refutes at
 * most a few times a second while the clock advances a thousand a second, so a restarted process
 * starts above any incarnation its predecessor reached, and its first join makes it alive again
 * everywhere although the others hold it dead or left. Should the clock have gone back, the
 * refutation rule still brings it back: the first message telling it that it is dead at the old
 * incarnation makes it take the next one.
 *
 * <p><b>Leaving.</b> {@link #leave} marks this node {@code LEFT} at its incarnation (which beats
 * every other state at that incarnation), tells up to {@code leaveNoticesMax} members directly,
 * keeps gossiping for {@code leaveGraceMs} and then stops.
 *
 * <p><b>Removing.</b> {@link #remove} is an operator's word that a departed member is gone for good
 * (Cassandra's {@code removenode}): the member leaves the view at once, and a {@code REMOVED}
 * update is gossiped and carried in full views for {@code deadRetentionMs}, so every node drops it
 * too and stale news of it (dead, left) is ignored meanwhile. {@code REMOVED} overrides every
 * inactive state at any incarnation (the remover may have purged the member and no longer know its
 * incarnation); an alive or suspect member at a higher incarnation, a process that came back,
 * overrides it.
 *
 * <p><b>Bounds.</b> The view holds at most {@code membersMax} members and purges dead and left ones
 * after {@code deadRetentionMs}; the dissemination queue holds at most one update per member; one
 * own probe is outstanding at a time and at most {@code relaysMax} indirect probes for others.
 *
 * <p>Not thread-safe: every method must be called on the node's logical thread (see {@link Env}).
 */
public final class Membership {

  private final Env env;
  private final MembershipOptions options;
  private final MembershipListener listener;
  private final NodeId selfId;
  private final String selfRegion;
  private final NodeAddress selfAddress;
  private final List<NodeAddress> seeds;

  private long incarnation;
  private boolean started;
  private boolean leaving;
  private boolean stopped;

  /** Every other member, by id (this node is not in it). */
  private final TreeMap<NodeId, Entry> members = new TreeMap<>();

  /** Members removed by an operator, until their removal was gossiped for deadRetentionMs. */
  private final TreeMap<NodeId, Entry> removed = new TreeMap<>();

  private final Dissemination gossip = new Dissemination();
  private final PhiAccrualDetector detector;

  private List<NodeId> probeOrder = new ArrayList<>();
  private int probeIndex;
  private Probe probe;
  private final Map<Long, Relay> relays = new HashMap<>();
  private long lastSeq;

  private Cancellable tick;
  private long nextJoinAtMs;
  private long nextReconnectAtMs;

  /** A member's latest known update, when its state last changed, and when it was last heard. */
  private static final class Entry {
    MemberUpdate update;
    long stateSinceMs;
    OptionalLong lastContactMs = OptionalLong.empty();

    Entry(MemberUpdate update, long nowMs) {
      this.update = update;
      this.stateSinceMs = nowMs;
    }
  }

  /** This node's outstanding probe of one member. */
  private static final class Probe {
    final long seq;
    final NodeId target;
    boolean acked;
    Cancellable indirectTimer;

    Probe(long seq, NodeId target) {
      this.seq = seq;
      this.target = target;
    }
  }

  /** An indirect probe run for another member: relay the target's ack under the requester's seq. */
  private record Relay(long requesterSeq, NodeId requester, NodeAddress requesterAddress) {}

  /**
   * @param startingIncarnation this process's first incarnation, above any its predecessors with
   *     the same id reached: normally {@code env.wallClockMs()} at start (see the class comment)
   * @param seeds peer addresses to join through; this node's own address among them is ignored
   */
  public Membership(
      Env env,
      NodeId selfId,
      String selfRegion,
      NodeAddress selfAddress,
      long startingIncarnation,
      List<NodeAddress> seeds,
      MembershipOptions options,
      MembershipListener listener) {
    this.env = Objects.requireNonNull(env, "env");
    this.selfId = Objects.requireNonNull(selfId, "selfId");
    this.selfRegion = selfRegion;
    this.selfAddress = Objects.requireNonNull(selfAddress, "selfAddress");
    this.options = Objects.requireNonNull(options, "options");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.incarnation = startingIncarnation;
    this.seeds = seeds.stream().filter(s -> !s.equals(selfAddress)).distinct().toList();
    this.detector = new PhiAccrualDetector(options.phi());
    selfUpdate(); // validates region and incarnation
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  /** Sends the first joins and starts the protocol periods. Call once. */
  public void start() {
    if (started) {
      throw new IllegalStateException("membership of " + selfId + " already started");
    }
    started = true;
    long now = env.nowMs();
    sendJoins(seeds);
    nextJoinAtMs = now + options.joinRetryIntervalMs();
    nextReconnectAtMs = now + options.reconnectIntervalMs();
    // A random phase, so that nodes started together do not probe in lockstep.
    long phaseMs = 1 + env.random().nextLong(options.protocolPeriodMs());
    tick = env.schedule(phaseMs, this::tick);
  }

  /**
   * Leaves the cluster gracefully: this node becomes {@code LEFT}, tells a few members directly,
   * gossips its departure for {@code leaveGraceMs}, then {@link #stop}s and runs {@code onStopped}.
   * Calling it again, or after {@code stop}, does nothing.
   */
  public void leave(Runnable onStopped) {
    Objects.requireNonNull(onStopped, "onStopped");
    if (leaving || stopped) {
      return;
    }
    leaving = true;
    MemberUpdate left = selfUpdate();
    gossip.enqueue(left);
    List<Entry> active = activeMembers();
    Collections.shuffle(active, env.random());
    for (Entry e : active.subList(0, Math.min(active.size(), options.leaveNoticesMax()))) {
      env.send(e.update.address(), new Ping(++lastSeq, left, piggybackFor(e.update.nodeId())));
    }
    env.schedule(
        options.leaveGraceMs(),
        () -> {
          stop();
          onStopped.run();
        });
  }

  /** Stops at once (no goodbye): cancels every timer and ignores every later message. */
  public void stop() {
    stopped = true;
    cancel(tick);
    if (probe != null) {
      cancel(probe.indirectTimer);
      probe = null;
    }
    relays.clear();
  }

  /**
   * Removes a departed member for good (see the class comment): unless it is alive or suspect here,
   * it leaves the view and its removal is gossiped; the listener hears {@link
   * MembershipListener#onRemoved} with state {@code REMOVED}. {@code region} and {@code address}
   * describe a member this node no longer has in its view (purged after its retention); a member
   * still in the view is described by its own row.
   *
   * @return false if the member is alive or suspect here: it must be stopped first
   */
  public boolean remove(NodeId id, String region, NodeAddress address) {
    if (id.equals(selfId)) {
      throw new IllegalArgumentException("a node cannot remove itself: " + id);
    }
    Entry e = members.get(id);
    if (e != null && e.update.state().isActive()) {
      return false;
    }
    applyRemoved(
        e != null
            ? e.update.withState(MemberState.REMOVED)
            : new MemberUpdate(id, region, address, 0, MemberState.REMOVED));
    return true;
  }

  /** Whether {@code id} was removed by an operator and its removal is still being gossiped. */
  public boolean isRemoved(NodeId id) {
    return removed.containsKey(id);
  }

  public boolean isStopped() {
    return stopped;
  }

  // ---------------------------------------------------------------------------------------------
  // Reading the view

  public NodeId selfId() {
    return selfId;
  }

  /** This node's current incarnation: the starting one plus one per refutation. */
  public long incarnation() {
    return incarnation;
  }

  /** This node's own row: alive, or left once {@link #leave} was called. */
  public MemberInfo self() {
    MemberUpdate u = selfUpdate();
    return new MemberInfo(
        selfId, selfRegion, selfAddress, u.incarnation(), u.state(), OptionalLong.empty());
  }

  /** Every member this node knows, itself included, sorted by node id: {@code /admin/status}. */
  public List<MemberInfo> view() {
    List<MemberInfo> view = new ArrayList<>(members.size() + 1);
    boolean selfAdded = false;
    for (Entry e : members.values()) {
      if (!selfAdded && e.update.nodeId().compareTo(selfId) > 0) {
        view.add(self());
        selfAdded = true;
      }
      view.add(info(e));
    }
    if (!selfAdded) {
      view.add(self());
    }
    return List.copyOf(view);
  }

  /** The row of one member, this node included. */
  public Optional<MemberInfo> member(NodeId nodeId) {
    if (nodeId.equals(selfId)) {
      return Optional.of(self());
    }
    Entry e = members.get(nodeId);
    return e == null ? Optional.empty() : Optional.of(info(e));
  }

  /** How many members are in each state, this node included; every state is a key. */
  public Map<MemberState, Integer> membersByState() {
    Map<MemberState, Integer> counts = new EnumMap<>(MemberState.class);
    for (MemberState s : MemberState.values()) {
      counts.put(s, 0);
    }
    counts.merge(selfUpdate().state(), 1, Integer::sum);
    for (Entry e : members.values()) {
      counts.merge(e.update.state(), 1, Integer::sum);
    }
    return counts;
  }

  /** The alive members of {@code region}, this node included if it is there, by node id. */
  public List<MemberInfo> aliveIn(String region) {
    List<MemberInfo> alive = new ArrayList<>();
    for (MemberInfo m : view()) {
      if (m.state() == MemberState.ALIVE && m.region().equals(region)) {
        alive.add(m);
      }
    }
    return alive;
  }

  /** Every region some known member (dead ones included) or this node is in. */
  public SortedSet<String> regions() {
    SortedSet<String> regions = new TreeSet<>();
    regions.add(selfRegion);
    for (Entry e : members.values()) {
      regions.add(e.update.region());
    }
    return regions;
  }

  /** The failure detector's current φ for a member (0 if never heard from), for metrics. */
  public double phi(NodeId nodeId) {
    return detector.phi(nodeId, env.nowMs());
  }

  // ---------------------------------------------------------------------------------------------
  // The protocol period

  private void tick() {
    if (stopped) {
      return;
    }
    tick = env.schedule(options.protocolPeriodMs(), this::tick);
    long now = env.nowMs();
    finishProbe();
    expireSuspicions(now);
    purgeDeparted(now);
    joinOrReconnect(now);
    startProbe(now);
  }

  /** Ends the previous period's probe: no ack by now makes its target suspect. */
  private void finishProbe() {
    Probe p = probe;
    probe = null;
    if (p == null) {
      return;
    }
    cancel(p.indirectTimer);
    Entry target = members.get(p.target);
    if (!p.acked && !leaving && target != null && target.update.state() == MemberState.ALIVE) {
      apply(target.update.withState(MemberState.SUSPECT));
    }
  }

  private void expireSuspicions(long now) {
    long timeoutMs = suspicionTimeoutMs();
    for (Entry e : new ArrayList<>(members.values())) {
      if (e.update.state() == MemberState.SUSPECT && now - e.stateSinceMs >= timeoutMs) {
        apply(e.update.withState(MemberState.DEAD));
      }
    }
  }

  private void purgeDeparted(long now) {
    removed.values().removeIf(e -> now - e.stateSinceMs >= options.deadRetentionMs());
    var it = members.values().iterator();
    while (it.hasNext()) {
      Entry e = it.next();
      if (!e.update.state().isActive() && now - e.stateSinceMs >= options.deadRetentionMs()) {
        it.remove();
        gossip.remove(e.update.nodeId());
        detector.remove(e.update.nodeId());
        listener.onRemoved(info(e));
      }
    }
  }

  private void joinOrReconnect(long now) {
    if (leaving) {
      return;
    }
    if (activeMembers().isEmpty()) {
      if (now >= nextJoinAtMs) {
        sendJoins(seeds);
        nextJoinAtMs = now + options.joinRetryIntervalMs();
      }
      return;
    }
    if (now < nextReconnectAtMs) {
      return;
    }
    nextReconnectAtMs = now + options.reconnectIntervalMs();
    List<NodeAddress> candidates = new ArrayList<>();
    TreeSet<NodeAddress> live = new TreeSet<>();
    for (Entry e : members.values()) {
      if (e.update.state().isActive()) {
        live.add(e.update.address());
      } else if (e.update.state() == MemberState.DEAD) {
        candidates.add(e.update.address());
      }
    }
    for (NodeAddress seed : seeds) {
      if (!live.contains(seed) && !candidates.contains(seed)) {
        candidates.add(seed);
      }
    }
    if (!candidates.isEmpty()) {
      sendJoins(List.of(candidates.get(env.random().nextInt(candidates.size()))));
    }
  }

  private void startProbe(long now) {
    NodeId target = phiTarget(now);
    if (target == null) {
      target = nextInRound();
    }
    if (target == null) {
      return;
    }
    Probe p = new Probe(++lastSeq, target);
    probe = p;
    env.send(
        members.get(target).update.address(), new Ping(p.seq, selfUpdate(), piggybackFor(target)));
    p.indirectTimer = env.schedule(options.pingTimeoutMs(), () -> probeIndirectly(p));
  }

  /** The alive member whose silence is most abnormal, if φ says it is abnormal at all. */
  private NodeId phiTarget(long now) {
    NodeId worst = null;
    double worstPhi = options.phi().threshold();
    for (Entry e : members.values()) {
      if (e.update.state() != MemberState.ALIVE) {
        continue;
      }
      double phi = detector.phi(e.update.nodeId(), now);
      if (phi >= worstPhi) {
        worst = e.update.nodeId();
        worstPhi = phi;
      }
    }
    return worst;
  }

  /** The next active member of the round-robin; a new round is shuffled when one ends. */
  private NodeId nextInRound() {
    for (int rounds = 0; rounds < 2; rounds++) {
      while (probeIndex < probeOrder.size()) {
        NodeId id = probeOrder.get(probeIndex++);
        Entry e = members.get(id);
        if (e != null && e.update.state().isActive()) {
          return id;
        }
      }
      probeOrder = new ArrayList<>();
      for (Entry e : activeMembers()) {
        probeOrder.add(e.update.nodeId());
      }
      Collections.shuffle(probeOrder, env.random());
      probeIndex = 0;
    }
    return null;
  }

  private void probeIndirectly(Probe p) {
    if (stopped || probe != p || p.acked) {
      return;
    }
    Entry target = members.get(p.target);
    if (target == null) {
      return;
    }
    List<Entry> helpers = new ArrayList<>();
    for (Entry e : members.values()) {
      if (e.update.state() == MemberState.ALIVE && !e.update.nodeId().equals(p.target)) {
        helpers.add(e);
      }
    }
    Collections.shuffle(helpers, env.random());
    PingReq req = new PingReq(p.seq, selfUpdate(), p.target, target.update.address());
    for (Entry h : helpers.subList(0, Math.min(helpers.size(), options.indirectProbes()))) {
      env.send(h.update.address(), req);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Messages

  /**
   * Handles a message delivered to this node: merges what it says, answers pings and joins, relays
   * indirect probes. Messages before {@link #start} or after {@link #stop} are ignored.
   */
  public void receive(MembershipMessage msg) {
    if (stopped || !started) {
      return;
    }
    MemberUpdate from = msg.from();
    if (from.nodeId().equals(selfId)) {
      return; // our own message came back: a misrouted address, nothing to learn
    }
    heardFrom(from);
    switch (msg) {
      case Ping p -> {
        applyAll(p.updates());
        env.send(from.address(), new Ack(p.seq(), selfUpdate(), piggybackFor(from.nodeId())));
      }
      case Ack a -> {
        applyAll(a.updates());
        onAck(a);
      }
      case PingReq r -> relay(r);
      case Join j -> {
        applyAll(j.view());
        env.send(from.address(), new JoinReply(selfUpdate(), fullView()));
      }
      case JoinReply r -> applyAll(r.view());
    }
  }

  /** The sender's self-description is first-hand news and a heartbeat. */
  private void heardFrom(MemberUpdate from) {
    apply(from);
    Entry e = members.get(from.nodeId());
    if (e != null) {
      long now = env.nowMs();
      e.lastContactMs = OptionalLong.of(now);
      detector.heartbeat(from.nodeId(), now);
    }
  }

  private void onAck(Ack a) {
    Probe p = probe;
    if (p != null && a.seq() == p.seq && a.from().nodeId().equals(p.target)) {
      p.acked = true;
      cancel(p.indirectTimer);
      return;
    }
    Relay r = relays.remove(a.seq());
    if (r != null) {
      env.send(
          r.requesterAddress(), new Ack(r.requesterSeq(), a.from(), piggybackFor(r.requester())));
    }
  }

  private void relay(PingReq req) {
    if (relays.size() >= options.relaysMax() || leaving) {
      return;
    }
    long seq = ++lastSeq;
    relays.put(seq, new Relay(req.seq(), req.from().nodeId(), req.from().address()));
    // The requester gives up at the end of its period; so does the relay.
    env.schedule(options.protocolPeriodMs(), () -> relays.remove(seq));
    env.send(req.targetAddress(), new Ping(seq, selfUpdate(), piggybackFor(req.target())));
  }

  private void sendJoins(List<NodeAddress> to) {
    if (to.isEmpty()) {
      return;
    }
    Join join = new Join(selfUpdate(), fullView());
    for (NodeAddress a : to) {
      env.send(a, join);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Merging gossip

  private void applyAll(List<MemberUpdate> updates) {
    for (MemberUpdate u : updates) {
      apply(u);
    }
  }

  /** Merges one update into the view (SWIM's precedence), queueing it for gossip if it is news. */
  private void apply(MemberUpdate u) {
    if (u.nodeId().equals(selfId)) {
      refuteIfNeeded(u);
      return;
    }
    if (u.state() == MemberState.REMOVED) {
      applyRemoved(u);
      return;
    }
    Entry gone = removed.get(u.nodeId());
    if (gone != null) {
      if (!u.state().isActive() || u.incarnation() <= gone.update.incarnation()) {
        return; // stale news of a removed member
      }
      removed.remove(u.nodeId()); // a new process with its id: it joins afresh
    }
    long now = env.nowMs();
    Entry e = members.get(u.nodeId());
    if (e == null) {
      // News of the departure of a member we do not know (or purged) is not worth keeping.
      if (!u.state().isActive() || members.size() >= options.membersMax()) {
        return;
      }
      e = new Entry(u, now);
      members.put(u.nodeId(), e);
      addToRound(u.nodeId());
      gossip.enqueue(u);
      listener.onJoined(info(e));
      return;
    }
    MemberUpdate old = e.update;
    if (!u.supersedes(old.incarnation(), old.state())) {
      return;
    }
    MemberInfo before = info(e);
    e.update = u;
    if (u.state() != old.state() || u.incarnation() != old.incarnation()) {
      e.stateSinceMs = now;
    }
    if (!old.state().isActive() && u.state().isActive()) {
      detector.remove(u.nodeId()); // a new process: its old rhythm means nothing
      addToRound(u.nodeId());
    }
    gossip.enqueue(u);
    if (u.state() != old.state()) {
      listener.onStateChanged(before, info(e));
    }
  }

  /** A member was removed by an operator, here or at a node that gossiped it. */
  private void applyRemoved(MemberUpdate u) {
    Entry gone = removed.get(u.nodeId());
    if (gone != null && gone.update.incarnation() >= u.incarnation()) {
      return;
    }
    Entry e = members.get(u.nodeId());
    if (e != null && e.update.state().isActive() && e.update.incarnation() > u.incarnation()) {
      return; // it came back after it was removed
    }
    if (gone == null && e == null && removed.size() >= options.membersMax()) {
      return;
    }
    long now = env.nowMs();
    if (e != null) {
      members.remove(u.nodeId());
      detector.remove(u.nodeId());
    }
    removed.put(u.nodeId(), new Entry(u, now));
    gossip.enqueue(u);
    listener.onRemoved(
        new MemberInfo(
            u.nodeId(),
            u.region(),
            u.address(),
            u.incarnation(),
            MemberState.REMOVED,
            e == null ? OptionalLong.empty() : e.lastContactMs));
  }

  /** Someone believes this node is not alive at its incarnation, or knows a newer one: refute. */
  private void refuteIfNeeded(MemberUpdate u) {
    if (leaving) {
      return;
    }
    boolean accused = u.state() != MemberState.ALIVE && u.incarnation() >= incarnation;
    if (accused || u.incarnation() > incarnation) {
      incarnation = u.incarnation() + 1;
      gossip.enqueue(selfUpdate());
    }
  }

  /** A member that (re)joined is probed within this round, at a random place in it. */
  private void addToRound(NodeId id) {
    int at = probeIndex + env.random().nextInt(probeOrder.size() - probeIndex + 1);
    probeOrder.add(at, id);
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private MemberUpdate selfUpdate() {
    return new MemberUpdate(
        selfId,
        selfRegion,
        selfAddress,
        incarnation,
        leaving ? MemberState.LEFT : MemberState.ALIVE);
  }

  /**
   * The updates to piggyback on a message to {@code recipient}: first what this node believes of
   * the recipient if that is not "alive" (so it can refute), then the least-sent queued updates.
   */
  private List<MemberUpdate> piggybackFor(NodeId recipient) {
    List<MemberUpdate> out = new ArrayList<>(options.piggybackMax());
    Entry r = members.get(recipient);
    if (r != null && r.update.state() != MemberState.ALIVE) {
      out.add(r.update);
    }
    gossip.take(out, options.piggybackMax(), transmitLimit());
    return out;
  }

  private List<MemberUpdate> fullView() {
    List<MemberUpdate> view = new ArrayList<>(members.size() + removed.size() + 1);
    view.add(selfUpdate());
    for (Entry e : members.values()) {
      view.add(e.update);
    }
    for (Entry e : removed.values()) {
      view.add(e.update);
    }
    return view;
  }

  private List<Entry> activeMembers() {
    List<Entry> active = new ArrayList<>();
    for (Entry e : members.values()) {
      if (e.update.state().isActive()) {
        active.add(e);
      }
    }
    return active;
  }

  /** λ·ceil(log2(n + 1)) transmissions per update, n counting this node and the active members. */
  int transmitLimit() {
    int n = activeMembers().size() + 1;
    int log2 = 32 - Integer.numberOfLeadingZeros(n); // ceil(log2(n + 1)) for n >= 1
    return options.retransmitMultiplier() * log2;
  }

  /** The suspicion timeout, stretched by log10 of the cluster size beyond ten members. */
  long suspicionTimeoutMs() {
    int n = activeMembers().size() + 1;
    double scale = Math.max(1.0, Math.log10(n));
    return (long) (options.suspicionTimeoutMs() * scale);
  }

  private static MemberInfo info(Entry e) {
    MemberUpdate u = e.update;
    return new MemberInfo(
        u.nodeId(), u.region(), u.address(), u.incarnation(), u.state(), e.lastContactMs);
  }

  private static void cancel(Cancellable c) {
    if (c != null) {
      c.cancel();
    }
  }

  @Override
  public String toString() {
    return "Membership[" + selfId + "@" + incarnation + ", " + membersByState() + "]";
  }
}
