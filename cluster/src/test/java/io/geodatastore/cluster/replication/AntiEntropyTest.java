package io.geodatastore.cluster.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.cluster.AntiEntropyMessage;
import io.geodatastore.cluster.ClusterMessage;
import io.geodatastore.cluster.Env;
import io.geodatastore.cluster.MemberState;
import io.geodatastore.cluster.NodeAddress;
import io.geodatastore.cluster.NodeId;
import io.geodatastore.cluster.RecordMessage;
import io.geodatastore.cluster.ReplicationMessage;
import io.geodatastore.cluster.repair.AntiEntropy;
import io.geodatastore.cluster.repair.AntiEntropyOptions;
import io.geodatastore.cluster.repair.CausalGate;
import io.geodatastore.cluster.repair.ExchangeReport;
import io.geodatastore.cluster.repair.JobStatus;
import io.geodatastore.cluster.repair.RecordExchange;
import io.geodatastore.cluster.testkit.SimNetwork;
import io.geodatastore.cluster.testkit.TestReplica;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.crdt.GCounter;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.Merkle;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Merkle-tree anti-entropy between in-memory replicas on a simulated network: exchanges descend
 * only into what differs, ship exactly the differing keys both ways, keep to their byte rate,
 * repair quarantined keys, run on their schedules and as jobs.
 */
class AntiEntropyTest {

  static final long SEED = 42;

  /** One node: its replica, record exchange, causal gate and anti-entropy, and what it received. */
  static final class Node {
    final NodeId id;
    final String region;
    final NodeAddress address;
    final TestReplica replica;
    final List<ClusterMessage> received = new ArrayList<>();
    final List<ExchangeReport> reports = new ArrayList<>();
    final List<Map<ReplicaId, Long>> completions = new ArrayList<>();
    Env env;
    Replication replication;
    CausalGate gate;
    RecordExchange records;
    AntiEntropy ae;

    Node(String name, String region, int port) {
      this.id = NodeId.of(name);
      this.region = region;
      this.address = new NodeAddress(name, port);
      this.replica = new TestReplica(name);
    }

    void dispatch(ClusterMessage m) {
      received.add(m);
      switch (m) {
        case RecordMessage r -> {
          if (r instanceof RecordMessage.FetchRecords || r instanceof RecordMessage.PushRecords) {
            ae.peerActive(r.from());
          }
          records.onMessage(r);
        }
        case AntiEntropyMessage a -> ae.onMessage(a);
        case ReplicationMessage r -> replication.onMessage(r);
        default -> throw new IllegalStateException("unexpected " + m);
      }
    }

    <T extends ClusterMessage> List<T> received(Class<T> type) {
      return received.stream().filter(type::isInstance).map(type::cast).toList();
    }
  }

  final SimNetwork net = new SimNetwork(SEED).latencies(1, 30, 2);
  final List<Node> nodes = new ArrayList<>();

  static AntiEntropyOptions quiet() {
    return AntiEntropyOptions.defaults()
        .withIntervals(0, 0)
        .withSyncOnStart(false)
        .withCausalWaitMs(0)
        .withTimeouts(500, 100);
  }

  Node node(String name, String region, AntiEntropyOptions options) {
    Node n = new Node(name, region, 7000 + nodes.size());
    n.env = net.attach(n.address, region, n::dispatch);
    n.replication = new Replication(n.env, n.id, region, n.replica, ReplicationOptions.defaults());
    n.replication.start();
    n.gate = new CausalGate(n.env, n.replica, options.causalWaitMs(), 64);
    n.records =
        new RecordExchange(n.env, n.id, n.address, n.replica, 4L << 20, 64, r -> 40, n.gate);
    n.ae =
        new AntiEntropy(
            n.env,
            n.id,
            region,
            n.address,
            n.replica,
            n.replication,
            n.records,
            n.gate,
            options,
            r -> 40);
    n.ae.onExchangeFinished(n.reports::add);
    n.ae.onExchangeCompleted((peer, applied) -> n.completions.add(applied));
    for (Node o : nodes) {
      o.ae.memberChanged(n.id, n.region, n.address, MemberState.ALIVE);
      n.ae.memberChanged(o.id, o.region, o.address, MemberState.ALIVE);
    }
    nodes.add(n);
    n.ae.start();
    return n;
  }

  static KeyRef key(int i) {
    return KeyRef.of(Family.COUNTERS, "k" + i);
  }

  static KeyRecord counter(String replica, long n) {
    return KeyRecord.live(GCounter.of(VersionVector.of(new ReplicaId(replica), n)));
  }

  /** Gives both replicas the same {@code n} records. */
  static void same(int n, Node... ns) {
    for (int i = 0; i < n; i++) {
      for (Node x : ns) {
        x.replica.put(key(i), counter("origin", i + 1));
      }
    }
  }

  /** Starts a region job at {@code from} with {@code to}'s region and runs until it ends. */
  JobStatus sync(Node from, Node to) {
    JobStatus s = ((AntiEntropy.JobStart.Started) from.ae.startJob(to.region)).status();
    assertThat(
            net.runUntil(
                () -> !from.ae.job(s.id()).orElseThrow().state().equals("running"), 10, 120_000))
        .as("job %s ends (seed %d)", s.id(), SEED)
        .isTrue();
    return from.ae.job(s.id()).orElseThrow();
  }

  static Set<Integer> branchesOf(List<KeyRef> keys) {
    return keys.stream()
        .map(k -> Merkle.branchOf(Merkle.leaf(k)))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  static Set<Integer> leavesOf(List<KeyRef> keys) {
    return keys.stream().map(Merkle::leaf).collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void equalTreesCostOneRoundTripAndShipNothing() {
    Node a = node("a", "r1", quiet());
    Node b = node("b", "r1", quiet());
    same(1_000, a, b);

    JobStatus s = sync(a, b);

    assertThat(s.state()).isEqualTo("done");
    assertThat(s.outcomes()).containsEntry("b", "in_sync");
    assertThat(s.rangesCompared()).isEqualTo(1);
    net.runFor(50);
    // The tree request and, the exchange having converged, the word that it did.
    assertThat(b.received)
        .hasSize(2)
        .satisfiesExactly(
            m -> assertThat(m).isInstanceOf(AntiEntropyMessage.TreeRequest.class),
            m -> assertThat(m).isInstanceOf(AntiEntropyMessage.ExchangeDone.class));
    assertThat(a.received).hasSize(1).first().isInstanceOf(AntiEntropyMessage.TreeReply.class);
    assertThat(a.completions).hasSize(1);
  }

  @Test
  void onlyDifferingBranchesLeavesAndKeysAreAskedForAndShippedBothWays() {
    Node a = node("a", "r1", quiet());
    Node b = node("b", "r1", quiet());
    same(5_000, a, b);
    List<KeyRef> changedAtA = List.of(key(10), key(2_000), key(4_999));
    List<KeyRef> onlyAtB = List.of(key(7_001), key(7_002));
    for (KeyRef k : changedAtA) {
      a.replica.put(k, counter("a", 99));
    }
    for (KeyRef k : onlyAtB) {
      b.replica.put(k, counter("b", 7));
    }
    List<KeyRef> differing = new ArrayList<>(changedAtA);
    differing.addAll(onlyAtB);
    Set<Integer> emptyAtA = new TreeSet<>();
    for (int leaf : leavesOf(differing)) {
      if (a.replica.tree.leaves(Merkle.branchOf(leaf))[leaf % Merkle.LEAVES_PER_BRANCH] == 0) {
        emptyAtA.add(leaf);
      }
    }

    JobStatus s = sync(a, b);

    assertThat(s.state()).isEqualTo("done");
    assertThat(b.replica.records).isEqualTo(a.replica.records);
    ExchangeReport r = a.reports.getFirst();
    assertThat(r.outcome()).isEqualTo(ExchangeReport.Outcome.REPAIRED);
    // The descent: only the branches and leaves of the five keys.
    Set<Integer> askedBranches = new TreeSet<>();
    b.received(AntiEntropyMessage.LeavesRequest.class)
        .forEach(q -> askedBranches.addAll(q.branches()));
    assertThat(askedBranches).isEqualTo(branchesOf(differing));
    Set<Integer> compared = new TreeSet<>();
    b.received(AntiEntropyMessage.KeysRequest.class).forEach(q -> compared.addAll(q.leaves()));
    Set<Integer> pulled = new TreeSet<>();
    b.received(AntiEntropyMessage.LeafRecordsRequest.class).forEach(q -> pulled.addAll(q.leaves()));
    Set<Integer> expectCompared = leavesOf(differing);
    expectCompared.removeAll(emptyAtA);
    assertThat(compared).isEqualTo(expectCompared);
    assertThat(pulled).isEqualTo(emptyAtA); // leaves empty here: records at once, no comparison
    assertThat(r.rangesCompared())
        .isEqualTo(1 + Merkle.BRANCHES + (long) Merkle.LEAVES_PER_BRANCH * askedBranches.size());
    // The records: B's three stale keys and two extra ones, nothing else.
    List<KeyRef> fetched = new ArrayList<>();
    b.received(RecordMessage.FetchRecords.class).forEach(f -> fetched.addAll(f.keys()));
    a.received(AntiEntropyMessage.LeafRecords.class)
        .forEach(l -> l.records().forEach(kr -> fetched.add(kr.key())));
    assertThat(fetched).containsExactlyInAnyOrderElementsOf(differing);
    List<KeyRef> pushed = new ArrayList<>();
    b.received(RecordMessage.PushRecords.class)
        .forEach(p -> p.records().forEach(kr -> pushed.add(kr.key())));
    assertThat(pushed).containsExactlyInAnyOrderElementsOf(changedAtA);
    assertThat(r.keysFetched()).isEqualTo(5);
    assertThat(r.keysPushed()).isEqualTo(3);
    // A's changes are concurrent with B's records: both sides change to the join.
    assertThat(r.repairedHere()).isEqualTo(5);
    assertThat(r.repairedThere()).isEqualTo(3);
    assertThat(s.keysRepaired()).isEqualTo(8);
  }

  @Test
  void anEmptyReplicaFetchesWholeLeavesOnceAndAnEmptyPeerIsNotAskedForKeys() {
    Node empty = node("a", "r1", quiet());
    Node full = node("b", "r1", quiet());
    Node empty2 = node("c", "r2", quiet());
    for (int i = 0; i < 3_000; i++) {
      full.replica.put(key(i), counter("b", i + 1));
    }

    sync(empty, full);
    assertThat(empty.replica.records).isEqualTo(full.replica.records);
    // Every leaf is empty here: whole leaves' records, no key pages, no key lists, nothing twice.
    assertThat(full.received(AntiEntropyMessage.KeysRequest.class)).isEmpty();
    assertThat(full.received(RecordMessage.FetchRecords.class)).isEmpty();
    assertThat(full.received(AntiEntropyMessage.LeafRecordsRequest.class)).isNotEmpty();
    assertThat(empty.reports.getFirst().keysFetched()).isEqualTo(3_000);
    assertThat(empty.reports.getFirst().keysPushed()).isZero();

    // The other way round: the full side asks the empty one for no keys at all, it pushes.
    sync(full, empty2);
    assertThat(empty2.replica.records).isEqualTo(full.replica.records);
    assertThat(empty2.received(AntiEntropyMessage.KeysRequest.class)).isEmpty();
    assertThat(empty2.received(RecordMessage.FetchRecords.class)).isEmpty();
    assertThat(full.reports.getLast().keysPushed()).isEqualTo(3_000);
  }

  @Test
  void theByteRateBoundsHowFastAnExchangeGoes() {
    long rate = 64 << 10;
    AntiEntropyOptions slow = quiet().withRates(rate, rate).withTimeouts(60_000, 100);
    Node a = node("a", "r1", slow);
    Node b = node("b", "r1", slow);
    for (int i = 0; i < 40_000; i++) {
      b.replica.put(key(i), counter("b", i + 1));
    }

    long t0 = net.nowMs();
    sync(a, b);
    long ms = net.nowMs() - t0;
    ExchangeReport r = a.reports.getFirst();

    assertThat(a.replica.records).hasSize(40_000);
    // A bucket holds one second's worth, and the answers to the requests in flight when it ran
    // dry (at most 4 of 4,096 records of 44 bytes) are charged as debt; beyond that, every byte
    // waits for the rate.
    long bytes = r.bytes();
    long slack = rate + 4 * 4_096 * 48;
    assertThat(bytes).isGreaterThan(2 * slack);
    assertThat(ms)
        .as("%d bytes at %d B/s", bytes, rate)
        .isGreaterThanOrEqualTo((bytes - slack) * 1000 / rate)
        .isLessThan((bytes + rate) * 1000 / rate + 2_000);

    // Ten times the rate at the asker only: no faster, the answering node keeps to its own rate.
    AntiEntropyOptions fast = slow.withRates(10 * rate, 10 * rate);
    Node c = node("c", "r2", fast);
    long t1 = net.nowMs();
    sync(c, b);
    assertThat(net.nowMs() - t1).isGreaterThan(ms / 2);

    // Ten times the rate on both sides: much faster.
    Node d = node("d", "r2", fast);
    Node e = node("e", "r2", fast);
    for (int i = 0; i < 40_000; i++) {
      e.replica.put(key(i), counter("b", i + 1));
    }
    long t2 = net.nowMs();
    sync(d, e);
    assertThat(net.nowMs() - t2).isLessThan(ms / 4);
  }

  @Test
  void aNodeAnsweringManyExchangesAtOnceKeepsToItsRateToo() {
    long rate = 64 << 10;
    AntiEntropyOptions slow = quiet().withRates(rate, rate).withTimeouts(60_000, 100);
    Node full = node("full", "r0", slow);
    List<Node> empty = new ArrayList<>();
    for (String name : List.of("a", "b", "c", "d")) {
      empty.add(node(name, "r1", slow));
    }
    for (int i = 0; i < 20_000; i++) {
      full.replica.put(key(i), counter("full", i + 1));
    }

    // Four nodes, each within its own rate, pull everything from one at the same time.
    long t0 = net.nowMs();
    List<String> jobs = new ArrayList<>();
    for (Node n : empty) {
      jobs.add(((AntiEntropy.JobStart.Started) n.ae.startJob("r0")).status().id());
    }
    assertThat(
            net.runUntil(
                () -> {
                  for (int i = 0; i < empty.size(); i++) {
                    if (empty.get(i).ae.job(jobs.get(i)).orElseThrow().state().equals("running")) {
                      return false;
                    }
                  }
                  return true;
                },
                10,
                600_000))
        .as("every job ends (seed %d)", SEED)
        .isTrue();
    long ms = net.nowMs() - t0;

    long served = 0;
    for (Node n : empty) {
      assertThat(n.replica.records).hasSize(20_000);
      assertThat(n.reports).hasSize(1);
      served += n.reports.getFirst().bytesReceived();
    }
    // The answering node's bucket holds one second's worth, and answers are charged once sent: at
    // most one answer per asker (4,096 records of 44 bytes) goes out on credit beyond it.
    long slack = rate + empty.size() * 4_096L * 48;
    assertThat(served).isGreaterThan(2 * slack);
    assertThat(ms)
        .as("%d bytes served at %d B/s", served, rate)
        .isGreaterThanOrEqualTo((served - slack) * 1000 / rate);
  }

  @Test
  void quarantinedKeysAreFetchedFromAPeerEvenWhenTheTreesAgree() {
    Node a = node("a", "r1", quiet());
    Node b = node("b", "r1", quiet());
    same(100, a, b);
    a.replica.quarantined.add(key(5)); // the tree still holds the hash of the healthy value

    JobStatus s = sync(a, b);

    assertThat(s.keysRepaired()).isEqualTo(1);
    assertThat(a.replica.quarantined).isEmpty();
    assertThat(b.received(RecordMessage.FetchRecords.class).getFirst().keys())
        .containsExactly(key(5));
  }

  @Test
  void aQuarantinedKeyIsRepairedWithoutWaitingForARound() {
    Node a = node("a", "r1", quiet());
    Node b = node("b", "r1", quiet());
    same(10, a, b);
    a.replica.quarantined.add(key(3));

    assertThat(net.runUntil(a.replica.quarantined::isEmpty, 10, 5_000)).isTrue();
    assertThat(a.ae.totals().quarantinedRepaired()).isEqualTo(1);
    assertThat(a.reports).isEmpty(); // not a tree exchange: one fetch
  }

  @Test
  void aQuarantinedCopyIsNotReplacedByAPeerThatHasNotAppliedWhatThisReplicaHas() {
    Node a = node("a", "r1", quiet());
    Node b = node("b", "r1", quiet());
    same(10, a, b);
    // a merged origin z through 5 (say z's delete of the key, which the store dropped because the
    // key is quarantined); b has only z through 4: its record may still show the key live.
    ReplicaId z = new ReplicaId("z");
    a.replica.applied.put(z, 5L);
    b.replica.applied.put(z, 4L);
    a.replica.quarantined.add(key(3));

    net.runFor(3_000);
    assertThat(a.replica.quarantined).containsExactly(key(3));
    assertThat(a.ae.quarantineAnswersBehind()).isPositive();

    b.replica.applied.put(z, 5L); // b caught up
    assertThat(net.runUntil(a.replica.quarantined::isEmpty, 10, 5_000)).isTrue();
    assertThat(a.ae.totals().quarantinedRepaired()).isEqualTo(1);
  }

  @Test
  void anUnreachablePeerFailsTheExchangeAfterItsAttemptsAndCompletesNothing() {
    Node a = node("a", "r1", quiet());
    Node b = node("b", "r1", quiet());
    a.replica.put(key(1), counter("a", 1));
    net.loss(b.address, 1.0);

    JobStatus s = sync(a, b);

    assertThat(s.state()).isEqualTo("failed");
    assertThat(a.reports.getFirst().outcome()).isEqualTo(ExchangeReport.Outcome.FAILED);
    assertThat(a.reports.getFirst().failure()).contains("no answer");
    assertThat(a.completions).isEmpty();
    assertThat(a.ae.totals().syncs().get(ExchangeReport.Scope.JOB))
        .containsEntry(ExchangeReport.Outcome.FAILED, 1L);
  }

  @Test
  void aConvergedExchangeReportsEachSidesCompleteWatermarksToTheOther() {
    Node a = node("a", "r1", quiet());
    Node b = node("b", "r1", quiet());
    a.replica.last = 3;
    b.replica.last = 12;
    b.replica.put(key(1), counter("b", 1));
    Map<ReplicaId, Long> bComplete = b.replication.completeVector();
    Map<ReplicaId, Long> aComplete = a.replication.completeVector();

    sync(a, b);
    net.runFor(50);

    assertThat(bComplete).containsEntry(new ReplicaId("b"), 12L);
    assertThat(a.completions).containsExactly(bComplete);
    assertThat(b.received(AntiEntropyMessage.ExchangeDone.class))
        .singleElement()
        .satisfies(d -> assertThat(d.complete().toMap()).isEqualTo(aComplete));
  }

  @Test
  void bothSidesAdoptTheOthersHorizonBeforeMerging() {
    Node a = node("a", "r1", quiet());
    Node b = node("b", "r1", quiet());
    a.replication.learnHorizon(VersionVector.of(new ReplicaId("x"), 5));
    b.replication.learnHorizon(VersionVector.of(new ReplicaId("y"), 7));
    b.replica.put(key(1), counter("b", 1));

    sync(a, b);

    assertThat(a.replica.horizon().get(new ReplicaId("y"))).isEqualTo(7);
    assertThat(b.replica.horizon().get(new ReplicaId("x"))).isEqualTo(5);
  }

  @Test
  void anExchangeThatLeftACorruptKeyOutReportsNoCompletion() {
    Node a = node("a", "r1", quiet());
    Node b = node("b", "r1", quiet());
    b.replica.put(key(1), counter("b", 1));
    b.replica.put(key(2), counter("b", 2));
    b.replica.quarantined.add(key(2)); // unreadable at b: a cannot get it from b

    sync(a, b);

    assertThat(a.replica.records).containsKey(key(1)).doesNotContainKey(key(2));
    assertThat(a.reports.getFirst().outcome()).isNotEqualTo(ExchangeReport.Outcome.FAILED);
    assertThat(a.completions).isEmpty();
    assertThat(b.received(AntiEntropyMessage.ExchangeDone.class)).isEmpty();
  }

  @Test
  void roundsExchangeWithPeersOfTheirScopeOnTheirIntervals() {
    AntiEntropyOptions o = quiet().withIntervals(1_000, 5_000);
    Node a = node("a", "r1", o);
    node("b", "r1", o);
    node("c", "r2", o);

    net.runFor(30_000);

    Map<ExchangeReport.Scope, List<ExchangeReport>> byScope =
        a.reports.stream().collect(Collectors.groupingBy(ExchangeReport::scope));
    // About 30 and 6 rounds; a few are skipped while the peer runs its own round with a.
    assertThat(byScope.get(ExchangeReport.Scope.REGION))
        .hasSizeBetween(15, 38)
        .allMatch(r -> r.peer().value().equals("b"));
    assertThat(byScope.get(ExchangeReport.Scope.CROSS_REGION))
        .hasSizeBetween(3, 8)
        .allMatch(r -> r.peer().value().equals("c"));
  }

  @Test
  void aPeerBehindTheLogsRetentionAndAStartingNodeAreExchangedWithSoon() {
    AntiEntropyOptions o = quiet();
    Node a = node("a", "r1", o);
    Node b = node("b", "r2", o);
    same(10, a, b);
    a.ae.catchUp(b.id);
    net.runFor(4 * o.urgentCheckMs());
    assertThat(a.reports).isEmpty(); // a catch-up first gives the peer's own sync time to start
    net.runFor(3 * o.urgentCheckMs());
    assertThat(a.reports).hasSize(1);
    assertThat(a.reports.getFirst().scope()).isEqualTo(ExchangeReport.Scope.CROSS_REGION);
    net.runFor(10 * o.urgentCheckMs());
    assertThat(a.reports).hasSize(1); // once it succeeded, not again

    Node c = node("c", "r2", o.withSyncOnStart(true));
    net.runFor(2 * o.urgentCheckMs());
    assertThat(c.reports).hasSize(1);
    assertThat(c.replica.records).isEqualTo(a.replica.records);
  }

  @Test
  void aStartingEmptyNodeAndAPeerCatchingItUpDoNotBothShipEverything() {
    Node full = node("a", "r1", quiet());
    for (int i = 0; i < 3_000; i++) {
      full.replica.put(key(i), counter("a", i + 1));
    }
    Node fresh = node("b", "r1", quiet().withSyncOnStart(true));
    full.ae.catchUp(fresh.id); // its stream to the newcomer skipped the trimmed log

    net.runFor(30 * quiet().urgentCheckMs());

    assertThat(fresh.replica.records).isEqualTo(full.replica.records);
    assertThat(fresh.reports).hasSize(1);
    assertThat(fresh.reports.getFirst().keysFetched()).isEqualTo(3_000);
    // The catch-up waited while the newcomer pulled, then found equal trees.
    assertThat(full.reports).hasSize(1);
    assertThat(full.reports.getFirst().outcome()).isEqualTo(ExchangeReport.Outcome.IN_SYNC);
    assertThat(full.reports.getFirst().keysPushed()).isZero();
  }

  @Test
  void jobsExchangeWithEveryAliveReplicaOrThoseOfOneRegion() {
    Node a = node("a", "r1", quiet());
    Node b = node("b", "r1", quiet());
    Node c = node("c", "r2", quiet());
    Node d = node("d", "r2", quiet());
    b.replica.put(key(1), counter("b", 1));
    c.replica.put(key(2), counter("c", 1));
    d.replica.put(key(3), counter("d", 1));
    a.ae.memberChanged(d.id, d.region, d.address, MemberState.DEAD);

    JobStatus region = sync(a, c);
    assertThat(region.kind()).isEqualTo("region_sync");
    assertThat(region.region()).isEqualTo("r2");
    assertThat(region.peers()).containsExactly("c");

    JobStatus full = ((AntiEntropy.JobStart.Started) a.ae.startJob(null)).status();
    assertThat(full.state()).isEqualTo("running");
    assertThat(full.kind()).isEqualTo("full_sync");
    assertThat(full.peers()).containsExactly("b", "c");
    net.runUntil(() -> !a.ae.job(full.id()).orElseThrow().state().equals("running"), 10, 60_000);
    JobStatus s = a.ae.job(full.id()).orElseThrow();
    assertThat(s.state()).isEqualTo("done");
    assertThat(s.outcomes()).containsOnlyKeys("b", "c");
    assertThat(s.finishedAtMs()).isGreaterThanOrEqualTo(s.startedAtMs());
    assertThat(a.replica.records).containsOnlyKeys(key(1), key(2));

    assertThat(a.ae.startJob("mars")).isInstanceOf(AntiEntropy.JobStart.UnknownRegion.class);
    assertThat(a.ae.job("nope")).isEmpty();
  }
}
