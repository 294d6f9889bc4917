package io.geodatastore.cluster.coordination;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.cluster.ClusterMessage;
import io.geodatastore.cluster.Env;
import io.geodatastore.cluster.MemberState;
import io.geodatastore.cluster.NodeAddress;
import io.geodatastore.cluster.NodeId;
import io.geodatastore.cluster.RecordMessage;
import io.geodatastore.cluster.ReplicationMessage;
import io.geodatastore.cluster.repair.CausalGate;
import io.geodatastore.cluster.repair.RecordExchange;
import io.geodatastore.cluster.replication.LocalReplica;
import io.geodatastore.cluster.replication.Replication;
import io.geodatastore.cluster.replication.ReplicationOptions;
import io.geodatastore.cluster.testkit.SimNetwork;
import io.geodatastore.cluster.testkit.TestReplica;
import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.crdt.GCounter;
import io.geodatastore.storage.Epoch;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.KeyedRecord;
import io.geodatastore.storage.LogEntry;
import io.geodatastore.storage.MemoryMerkleTree;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reads at every level beyond {@code eventual} on three or four nodes of a deterministic network:
 * merging, read repair, unavailability, session waits and session fetches.
 */
class ReadCoordinatorTest {

  static final KeyRef KEY = KeyRef.of(Family.COUNTERS, "k");
  static final ReplicationOptions OPTIONS = new ReplicationOptions(8, 4_096, 2, 32, 400, 100, 50);

  /** An in-memory replica whose record reads and merges complete on a later turn. */
  static final class MapReplica extends TestReplica {
    final Set<KeyRef> corrupt = new HashSet<>();
    Env env;

    MapReplica(String id) {
      super(id);
    }

    /** The anti-entropy tree of the records as they are now (tests change them directly). */
    private MemoryMerkleTree tree() {
      MemoryMerkleTree t = new MemoryMerkleTree();
      records.forEach(t::put);
      return t;
    }

    @Override
    public long[] merkleBranches() {
      return tree().branches();
    }

    @Override
    public long[] merkleLeaves(int branch) {
      return tree().leaves(branch);
    }

    @Override
    public void merkleKeys(List<Integer> leaves, int keysMax, Consumer<LeafKeys> done) {
      done.accept(LocalReplica.readLeaves(leaves, keysMax, tree()::keys));
    }

    /** A local write: one more increment of this replica's share of the counter. */
    void increment(KeyRef key) {
      last++;
      GCounter delta = GCounter.of(VersionVector.of(id, last));
      LogEntry e =
          new LogEntry(
              new Dot(id, last),
              key,
              CrdtType.G_COUNTER,
              Epoch.ZERO,
              true,
              delta,
              null,
              new HlcTimestamp(1, 0));
      log.put(last, e);
      records.put(key, KeyRecord.merge(records.get(key), e.toRecord()).record());
    }

    @Override
    public void merge(List<LogEntry> entries, Consumer<Boolean> done) {
      env.schedule(
          1,
          () -> {
            for (LogEntry e : entries) {
              records.put(e.key(), KeyRecord.merge(records.get(e.key()), e.toRecord()).record());
            }
            done.accept(true);
          });
    }

    /** The acknowledgements persisted before a restart stay as the test set them. */
    @Override
    public void recordPeerAcks(Map<NodeId, Long> acks) {}

    @Override
    public void readRecords(List<KeyRef> keys, Consumer<RecordRead> done) {
      List<KeyedRecord> found = new ArrayList<>();
      List<KeyRef> absent = new ArrayList<>();
      List<KeyRef> unreadable = new ArrayList<>();
      for (KeyRef k : keys) {
        if (corrupt.contains(k)) {
          unreadable.add(k);
        } else if (records.containsKey(k)) {
          found.add(new KeyedRecord(k, records.get(k)));
        } else {
          absent.add(k);
        }
      }
      env.schedule(0, () -> done.accept(new RecordRead(found, absent, unreadable)));
    }

    @Override
    public void mergeRecords(List<KeyedRecord> incoming, VersionVector covers, IntConsumer done) {
      covered = covered.merge(covers);
      env.schedule(
          1,
          () -> {
            int changed = 0;
            for (KeyedRecord kr : incoming) {
              KeyRecord before = corrupt.remove(kr.key()) ? null : records.get(kr.key());
              KeyRecord after = KeyRecord.merge(before, kr.record()).record();
              if (after != before) {
                records.put(kr.key(), after);
                changed++;
              }
            }
            done.accept(changed);
          });
    }

    /** Holds {@code n} increments of {@code origin} without a log entry (nothing replicates it). */
    void hold(KeyRef key, String origin, long n) {
      records.put(key, KeyRecord.live(GCounter.of(VersionVector.of(new ReplicaId(origin), n))));
    }

    long value(KeyRef key) {
      return ((GCounter) records.get(key).state()).value();
    }
  }

  /** One node: its replica, replication, record exchange and read coordinator. */
  final class Node {
    final NodeId id;
    final String region;
    final NodeAddress address;
    final MapReplica replica;
    Replication replication;
    RecordExchange exchange;
    CausalGate gate;
    ReadCoordinator reads;

    Node(String name, String region, int port) {
      this.id = NodeId.of(name);
      this.region = region;
      this.address = new NodeAddress(name, port);
      this.replica = new MapReplica(name + ".0000000" + port % 10);
    }

    void start() {
      Env env = net.attach(address, region, this::dispatch);
      replica.env = env;
      replication = new Replication(env, id, region, replica, OPTIONS);
      gate = new CausalGate(env, replica, 5_000, 64);
      replication.onApplied(gate::appliedAdvanced);
      exchange = new RecordExchange(env, id, address, replica, 1 << 20, 64, r -> 40, gate);
      reads =
          new ReadCoordinator(
              env,
              id,
              replica,
              replication,
              exchange,
              (l, n) -> repaired.merge(l, n, Integer::sum));
      replication.start();
    }

    private void dispatch(ClusterMessage m) {
      switch (m) {
        case ReplicationMessage r -> replication.onMessage(r);
        case RecordMessage r -> exchange.onMessage(r);
        default -> {}
      }
    }

    ReadOutcome read(ReadLevel level) {
      List<ReadOutcome> got = new ArrayList<>();
      reads.read(KEY, level, 1_000, got::add);
      net.runUntil(() -> !got.isEmpty(), 1, 2_000);
      assertThat(got).hasSize(1);
      return got.getFirst();
    }

    ReadOutcome readSession(VersionVector token, long waitMs) {
      List<ReadOutcome> got = new ArrayList<>();
      reads.readSession(KEY, ReadLevel.SESSION, token, waitMs, 1_000, got::add);
      net.runUntil(() -> !got.isEmpty(), 1, 2_000);
      assertThat(got).hasSize(1);
      return got.getFirst();
    }
  }

  SimNetwork net;
  List<Node> nodes;
  Map<ReadLevel, Integer> repaired;

  @BeforeEach
  void setUp() {
    net = new SimNetwork(42).latencies(1, 30, 0);
    repaired = new EnumMap<>(ReadLevel.class);
    nodes =
        List.of(
            new Node("a", "east", 7001), new Node("b", "east", 7002), new Node("c", "west", 7003));
    for (Node n : nodes) {
      n.start();
    }
    for (Node n : nodes) {
      for (Node p : nodes) {
        if (p != n) {
          n.replication.memberChanged(p.id, p.region, p.address, MemberState.ALIVE);
        }
      }
    }
    net.runFor(100);
  }

  Node node(int i) {
    return nodes.get(i);
  }

  static long value(ReadOutcome o) {
    ReadOutcome.Served s = (ReadOutcome.Served) o;
    return ((GCounter) s.record().state()).value();
  }

  /** Cuts every link of {@code n} (to and from it). */
  void cutOff(Node n) {
    net.isolate(Set.of(n.address));
  }

  @Test
  void aQuorumReadMergesAMajorityAndRepairsThoseBehindBeforeAnswering() {
    cutOff(node(2)); // c takes no part: a and b make the majority
    node(1).replica.hold(KEY, "x", 2);

    ReadOutcome o = node(0).read(ReadLevel.QUORUM);

    assertThat(o).isInstanceOf(ReadOutcome.Served.class);
    assertThat(value(o)).isEqualTo(2);
    assertThat(((ReadOutcome.Served) o).repairs()).isEqualTo(1);
    // a was behind and holds the join before the answer: a majority (a, b) has it now.
    assertThat(node(0).replica.value(KEY)).isEqualTo(2);
    assertThat(repaired).containsEntry(ReadLevel.QUORUM, 1);
  }

  @Test
  void aRepairOfThisNodesOwnFreshWriteIsMergedAtOnceByPeersThatHaveNotReceivedIt() {
    node(0).replica.increment(KEY); // not announced to replication: no peer receives it

    ReadOutcome o = node(0).read(ReadLevel.QUORUM);

    // The pushed record carries the write itself: the peer merges it without waiting for the
    // stream to deliver it (which would never happen here, so the read would time out).
    assertThat(value(o)).isEqualTo(1);
    assertThat(((ReadOutcome.Served) o).repairs()).isPositive();
    Node repaired = node(1).replica.records.containsKey(KEY) ? node(1) : node(2);
    assertThat(repaired.replica.value(KEY)).isEqualTo(1);
    assertThat(repaired.gate.immediateMerges()).isEqualTo(1);
    assertThat(repaired.gate.delayedMerges() + repaired.gate.forcedMerges()).isZero();
  }

  @Test
  void aRepairWhosePastTheReplicasLackIsRefusedAndTheReadSaysSoLongBeforeItsTimeout() {
    // a shows two increments of an origin x whose deltas never reach b or c.
    node(0).replica.hold(KEY, "x", 2);
    node(0).replica.covered = VersionVector.of(new ReplicaId("x"), 2);
    long startMs = net.nowMs();
    List<ReadOutcome> got = new ArrayList<>();

    node(0).reads.read(KEY, ReadLevel.QUORUM, 10_000, got::add);
    net.runUntil(() -> !got.isEmpty(), 1, 20_000);

    assertThat(got).singleElement().isInstanceOf(ReadOutcome.Unavailable.class);
    assertThat(((ReadOutcome.Unavailable) got.getFirst()).reached())
        .contains("refused the repair: it had not applied the join's causal past within 500 ms");
    assertThat(net.nowMs() - startMs).isLessThan(ReadCoordinator.REPAIR_PAST_WAIT_MS_MAX + 200);
    // Neither replica shows x's increments without their past.
    assertThat(node(1).replica.records).doesNotContainKey(KEY);
    assertThat(node(2).replica.records).doesNotContainKey(KEY);
  }

  @Test
  void aLateAnswerBehindTheJoinIsRepairedAfterTheAnswer() {
    net.extraLatency(node(2).address, 100); // c answers last
    node(0).replica.hold(KEY, "x", 1);

    ReadOutcome o = node(0).read(ReadLevel.QUORUM);
    assertThat(value(o)).isEqualTo(1);
    net.runFor(1_000); // c answers after some 260 ms, acknowledges its repair after some 520

    assertThat(node(1).replica.value(KEY)).isEqualTo(1);
    assertThat(node(2).replica.value(KEY)).isEqualTo(1);
    assertThat(repaired).containsEntry(ReadLevel.QUORUM, 2);
  }

  @Test
  void anAllReadIsUnavailableWhileOneReplicaIsCutOffAndSaysWhatItReached() {
    cutOff(node(2));
    ReadOutcome o = node(0).read(ReadLevel.ALL);
    assertThat(o).isInstanceOf(ReadOutcome.Unavailable.class);
    assertThat(((ReadOutcome.Unavailable) o).reached()).startsWith("reached 2 of 3 needed");

    net.heal();
    assertThat(node(0).read(ReadLevel.ALL)).isInstanceOf(ReadOutcome.Served.class);
  }

  @Test
  void aLocalQuorumReadCountsOnlyThisRegionsReplicas() {
    cutOff(node(2)); // west does not matter to east's local quorum
    node(2).replica.hold(KEY, "x", 5); // and what it holds is not seen
    node(1).replica.hold(KEY, "x", 1);

    ReadOutcome o = node(0).read(ReadLevel.LOCAL_QUORUM);
    assertThat(value(o)).isEqualTo(1);
    assertThat(node(0).read(ReadLevel.QUORUM)).isInstanceOf(ReadOutcome.Served.class);
    assertThat(node(0).read(ReadLevel.ALL)).isInstanceOf(ReadOutcome.Unavailable.class);
  }

  @Test
  void aKeyAbsentEverywhereIsServedAbsentAndOneCorruptEverywhereIsQuarantined() {
    ReadOutcome absent = node(0).read(ReadLevel.ALL);
    assertThat(((ReadOutcome.Served) absent).record()).isNull();

    for (Node n : nodes) {
      n.replica.corrupt.add(KEY);
    }
    assertThat(node(0).read(ReadLevel.ALL)).isInstanceOf(ReadOutcome.Quarantined.class);
  }

  @Test
  void aCorruptCopyIsRepairedFromTheOthers() {
    node(1).replica.increment(KEY);
    net.runFor(200); // replicated everywhere
    node(0).replica.corrupt.add(KEY);

    ReadOutcome o = node(0).read(ReadLevel.ALL);
    assertThat(value(o)).isEqualTo(1);
    assertThat(node(0).replica.corrupt).isEmpty();
    assertThat(node(0).replica.value(KEY)).isEqualTo(1);
  }

  @Test
  void aSessionReadIsLocalWhenThisNodeCoversTheToken() {
    node(1).replica.increment(KEY);
    node(1).replication.localWritten();
    net.runFor(200);
    VersionVector token = VersionVector.of(node(1).replica.id, 1);

    ReadOutcome o = node(0).readSession(token, 200);
    assertThat(((ReadOutcome.Served) o).how()).isEqualTo(ReadOutcome.How.LOCAL);
    assertThat(value(o)).isEqualTo(1);
  }

  @Test
  void aSessionReadWaitsForReplicationToCoverTheToken() {
    node(2).replica.increment(KEY); // 30 ms away, and not yet sent
    node(2).replication.localWritten();
    VersionVector token = VersionVector.of(node(2).replica.id, 1);

    ReadOutcome o = node(0).readSession(token, 500);
    assertThat(((ReadOutcome.Served) o).how()).isEqualTo(ReadOutcome.How.WAITED);
    assertThat(value(o)).isEqualTo(1);
  }

  @Test
  void aSessionReadFetchesFromAReplicaThatCoversTheTokenAndIsUnavailableWhenNoneAnswers() {
    Node c = node(2);
    c.replica.increment(KEY);
    c.replication.localWritten();
    net.runFor(200); // a and b applied it; then a loses it, as if it never had
    node(0).replica.applied.remove(c.replica.id);
    node(0).replica.records.remove(KEY);

    ReadOutcome o = node(0).readSession(VersionVector.of(c.replica.id, 1), 50);
    assertThat(((ReadOutcome.Served) o).how()).isEqualTo(ReadOutcome.How.FETCHED);
    assertThat(value(o)).isEqualTo(1);
    net.runFor(10);
    assertThat(node(0).replica.value(KEY)).isEqualTo(1); // repaired locally
    assertThat(repaired).containsEntry(ReadLevel.SESSION, 1);

    // c's second write: only c has it, and c is cut off.
    cutOff(c);
    c.replica.increment(KEY);
    c.replication.localWritten();
    ReadOutcome unavailable = node(0).readSession(VersionVector.of(c.replica.id, 2), 50);
    assertThat(unavailable).isInstanceOf(ReadOutcome.Unavailable.class);
    assertThat(((ReadOutcome.Unavailable) unavailable).reached())
        .contains("none of the 2 replicas asked")
        .contains("through 2 (found through 1)");
  }

  @Test
  void aReadThatCannotAskEnoughReplicasIsUnavailableAtOnce() {
    Node d = new Node("d", "east", 7004);
    d.replica.peerAcks = Map.of(NodeId.of("ghost"), 0L); // known from before a restart only
    d.start();
    d.replication.memberChanged(node(0).id, "east", node(0).address, MemberState.ALIVE);
    List<ReadOutcome> got = new ArrayList<>();
    d.reads.read(KEY, ReadLevel.ALL, 1_000, got::add);
    assertThat(got).hasSize(1); // no waiting for the deadline
    assertThat(((ReadOutcome.Unavailable) got.getFirst()).reached())
        .isEqualTo(
            "reached 0 of 3 needed replicas (3 counted, 0 answered); 1 of them not reported by"
                + " membership yet, so not asked");
    assertThat(d.read(ReadLevel.QUORUM)).isInstanceOf(ReadOutcome.Served.class); // 2 of 3
  }

  @Test
  void thisReplicasOwnEntryNeverMakesASessionWait() {
    VersionVector forged = VersionVector.of(node(0).replica.id, 99);
    ReadOutcome o = node(0).readSession(forged, 1_000);
    assertThat(((ReadOutcome.Served) o).how()).isEqualTo(ReadOutcome.How.LOCAL);
  }

  @Test
  void stoppingAnswersWaitsAndReadsInFlight() {
    List<ReadOutcome> got = new ArrayList<>();
    node(0)
        .reads
        .readSession(
            KEY,
            ReadLevel.SESSION,
            VersionVector.of(new ReplicaId("gone"), 1),
            500,
            1_000,
            got::add);
    node(0).reads.read(KEY, ReadLevel.ALL, 1_000, got::add);
    assertThat(node(0).reads.waiting()).isEqualTo(1);
    node(0).reads.stop();
    assertThat(got).hasSize(2).allMatch(o -> o instanceof ReadOutcome.Unavailable);
  }
}
