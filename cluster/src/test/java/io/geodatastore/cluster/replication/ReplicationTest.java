package io.geodatastore.cluster.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.cluster.MemberState;
import io.geodatastore.cluster.NodeAddress;
import io.geodatastore.cluster.NodeId;
import io.geodatastore.cluster.ReplicationMessage;
import io.geodatastore.cluster.ReplicationMessage.BatchAck;
import io.geodatastore.cluster.ReplicationMessage.DeltaBatch;
import io.geodatastore.cluster.ReplicationMessage.StreamProbe;
import io.geodatastore.cluster.testkit.ManualEnv;
import io.geodatastore.cluster.testkit.TestReplica;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.storage.LogEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The delta streams, driven by hand: one node "a" (region r1), peers "b" (r1) and "c" (r2). */
class ReplicationTest {

  static final NodeId A = NodeId.of("a");
  static final NodeId B = NodeId.of("b");
  static final NodeId C = NodeId.of("c");
  static final NodeAddress ADDR_B = new NodeAddress("b", 2);
  static final NodeAddress ADDR_C = new NodeAddress("c", 3);
  static final ReplicationOptions OPTIONS = new ReplicationOptions(4, 1 << 20, 2, 8, 100, 20, 10);

  static LogEntry entry(ReplicaId origin, long seq) {
    return TestReplica.entry(origin, seq);
  }

  ManualEnv env;
  TestReplica local;
  Replication r;

  @BeforeEach
  void setUp() {
    env = new ManualEnv(1);
    local = new TestReplica("a");
    r = new Replication(env, A, "r1", local, OPTIONS);
    r.start();
  }

  void up(NodeId id, NodeAddress address, String region) {
    r.memberChanged(id, region, address, MemberState.ALIVE);
  }

  void ack(NodeId from, long through) {
    r.onMessage(new BatchAck(from, local.id, through));
  }

  List<DeltaBatch> batchesTo(NodeAddress to) {
    return env.drain().stream()
        .filter(s -> s.to().equals(to) && s.msg() instanceof DeltaBatch)
        .map(s -> (DeltaBatch) s.msg())
        .toList();
  }

  static List<Long> firstAndLast(List<DeltaBatch> batches) {
    List<Long> out = new ArrayList<>();
    for (DeltaBatch b : batches) {
      out.add(b.entries().getFirst().id().counter());
      out.add(b.lastSequence());
    }
    return out;
  }

  @Test
  void aPeerThatComesUpIsProbedBeforeAnyBatch() {
    local.append(3);
    up(B, ADDR_B, "r1");
    r.localWritten();
    env.advance(5);
    List<ManualEnv.Sent> sent = env.drain();
    assertThat(sent).hasSize(1);
    assertThat(sent.getFirst().msg()).isEqualTo(new StreamProbe(A, local.id));

    ack(B, 0); // the probe's answer
    assertThat(firstAndLast(batchesTo(ADDR_B))).containsExactly(1L, 3L);
  }

  @Test
  void batchesRespectTheEntryAndByteBoundsAndTheWindow() {
    up(B, ADDR_B, "r1");
    ack(B, 0);
    env.drain();
    local.append(20);
    r.localWritten();
    env.advance(5);
    // Batches of at most 4 entries, at most 8 unacknowledged.
    assertThat(firstAndLast(batchesTo(ADDR_B))).containsExactly(1L, 4L, 5L, 8L);
    assertThat(local.lastMaxBytes).isEqualTo(OPTIONS.batchBytesMax());

    ack(B, 4);
    assertThat(firstAndLast(batchesTo(ADDR_B))).containsExactly(9L, 12L);
  }

  @Test
  void acksAdvanceAndTheLogIsTrimmedToTheLowestAck() {
    up(B, ADDR_B, "r1");
    up(C, ADDR_C, "r2");
    ack(B, 0);
    ack(C, 0);
    local.append(8);
    r.localWritten();
    env.advance(5);
    ack(B, 8);
    ack(C, 4);
    env.advance(OPTIONS.tickMs());
    assertThat(local.firstRetainedSequence()).isEqualTo(5);
    assertThat(r.lag()).extracting(Replication.PeerLag::acknowledged).containsExactly(8L, 4L);
    ack(C, 8);
    env.advance(OPTIONS.tickMs());
    assertThat(local.log).isEmpty();
  }

  @Test
  void silenceMakesTheStreamResendFromTheLastAck() {
    up(B, ADDR_B, "r1");
    ack(B, 0);
    local.append(6);
    r.localWritten();
    env.advance(5);
    env.drain();
    ack(B, 2);
    env.drain();
    env.advance(OPTIONS.retransmitMs() + OPTIONS.tickMs());
    List<DeltaBatch> resent = batchesTo(ADDR_B);
    assertThat(resent).isNotEmpty();
    assertThat(resent.getFirst().entries().getFirst().id().counter()).isEqualTo(3);
  }

  /** Regression: under steady writes the stream kept "sending", so a lost batch was not resent. */
  @Test
  void aLostBatchIsResentEvenWhileNewWritesKeepTheStreamBusy() {
    Replication wide =
        new Replication(
            env, A, "r1", local, new ReplicationOptions(1, 1 << 20, 0, 1_000, 100, 10_000, 10));
    wide.start();
    wide.memberChanged(B, "r1", ADDR_B, MemberState.ALIVE);
    wide.onMessage(new BatchAck(B, local.id, 0));
    env.drain();
    local.append(1);
    wide.localWritten();
    env.advance(1);
    env.drain(); // entry 1 is lost
    boolean resent = false;
    for (int i = 0; i < 20 && !resent; i++) {
      local.append(1);
      wide.localWritten();
      env.advance(20);
      for (ManualEnv.Sent s : env.drain()) {
        if (s.msg() instanceof DeltaBatch b && b.entries().getFirst().id().counter() == 1) {
          resent = true;
        }
      }
      wide.onMessage(new BatchAck(B, local.id, 0)); // the receiver has a gap: no progress
    }
    assertThat(resent).as("entry 1 resent within 400 ms of steady writes").isTrue();
  }

  @Test
  void aReceiverMergesInOrderIgnoresDuplicatesAndNeverAcksPastAGap() {
    TestReplica bLocal = new TestReplica("b");
    ManualEnv bEnv = new ManualEnv(2);
    Replication rb = new Replication(bEnv, B, "r1", bLocal, OPTIONS);
    rb.start();
    rb.memberChanged(A, "r1", new NodeAddress("a", 1), MemberState.ALIVE);
    bEnv.drain();
    ReplicaId origin = local.id;
    DeltaBatch first = new DeltaBatch(A, origin, 0, List.of(entry(origin, 1), entry(origin, 2)));
    DeltaBatch second = new DeltaBatch(A, origin, 0, List.of(entry(origin, 3), entry(origin, 4)));

    rb.onMessage(second); // reordered: a gap before it
    assertThat(acks(bEnv)).containsExactly(0L);
    assertThat(bLocal.merged).isEmpty();

    rb.onMessage(first);
    rb.onMessage(first); // duplicate
    rb.onMessage(second);
    rb.onMessage(second);
    assertThat(acks(bEnv)).containsExactly(2L, 2L, 4L, 4L);
    assertThat(bLocal.merged).extracting(e -> e.id().counter()).containsExactly(1L, 2L, 3L, 4L);
    assertThat(bLocal.applied(origin)).isEqualTo(4);

    // A batch overlapping what is merged merges only the new part.
    rb.onMessage(new DeltaBatch(A, origin, 0, List.of(entry(origin, 4), entry(origin, 5))));
    assertThat(acks(bEnv)).containsExactly(5L);
    assertThat(bLocal.merged).hasSize(5);
  }

  static List<Long> acks(ManualEnv e) {
    return e.drain().stream()
        .filter(s -> s.msg() instanceof BatchAck)
        .map(s -> ((BatchAck) s.msg()).appliedThrough())
        .toList();
  }

  @Test
  void aPeerBeyondRetentionIsMarkedStopsHoldingTheTrimAndGetsASkip() {
    List<NodeId> catchUps = new ArrayList<>();
    r.onCatchUpNeeded(catchUps::add);
    up(B, ADDR_B, "r1");
    up(C, ADDR_C, "r2");
    ack(B, 0);
    ack(C, 0);
    r.memberChanged(C, "r2", ADDR_C, MemberState.DEAD);
    local.append(30); // retention is 20
    r.localWritten();
    for (int i = 0; i < 8; i++) {
      env.advance(5);
      ack(B, local.last);
    }
    env.advance(OPTIONS.tickMs());
    assertThat(catchUps).containsExactly(C);
    assertThat(r.lag()).filteredOn(l -> l.peer().equals(C)).first().matches(l -> l.needsCatchUp());
    assertThat(local.log).as("trimmed past c, to b's ack").isEmpty();
    env.drain();

    up(C, ADDR_C, "r2");
    ack(C, 0);
    List<DeltaBatch> toC = batchesTo(ADDR_C);
    assertThat(toC).isNotEmpty();
    assertThat(toC.getFirst().skipTo()).isEqualTo(31);
    assertThat(toC.getFirst().entries()).isEmpty();
  }

  @Test
  void aReceiverMovesItsWatermarkToASkip() {
    TestReplica bLocal = new TestReplica("b");
    ManualEnv bEnv = new ManualEnv(2);
    Replication rb = new Replication(bEnv, B, "r1", bLocal, OPTIONS);
    rb.start();
    rb.memberChanged(A, "r1", new NodeAddress("a", 1), MemberState.ALIVE);
    rb.onMessage(new DeltaBatch(A, local.id, 11, List.of(entry(local.id, 11))));
    assertThat(bLocal.applied(local.id)).isEqualTo(11);
    assertThat(rb.catchUpsNeeded()).isEqualTo(1);
  }

  @Test
  void writeLevelsAreMetAsAcksArriveAndAllWaitsForADownReplica() {
    up(B, ADDR_B, "r1");
    up(C, ADDR_C, "r2");
    ack(B, 0);
    ack(C, 0);
    local.append(1);
    Map<WriteLevel, Replication.AckOutcome> outcomes = new TreeMap<>();
    for (WriteLevel level : WriteLevel.values()) {
      r.awaitAcks(1, level, 500, o -> outcomes.put(level, o));
    }
    assertThat(outcomes).containsOnlyKeys(WriteLevel.LOCAL);
    r.memberChanged(C, "r2", ADDR_C, MemberState.DEAD);
    ack(B, 1);
    assertThat(outcomes.get(WriteLevel.LOCAL_QUORUM))
        .isEqualTo(new Replication.AckOutcome(true, 2, 2, 2));
    assertThat(outcomes.get(WriteLevel.QUORUM))
        .isEqualTo(new Replication.AckOutcome(true, 2, 2, 3));
    assertThat(outcomes).doesNotContainKey(WriteLevel.ALL);
    env.advance(500);
    assertThat(outcomes.get(WriteLevel.ALL)).isEqualTo(new Replication.AckOutcome(false, 2, 3, 3));
  }

  /**
   * Regression (found by the simulation's quorum-overlap check): after a restart the peers known
   * only from persisted acknowledgements have no region yet, and local_quorum counted none of them,
   * so a node just restarted met local_quorum alone.
   */
  @Test
  void peersOfUnknownRegionCountForLocalQuorumButDoNotAcknowledgeForIt() {
    TestReplica restarted = new TestReplica("r");
    restarted.peerAcks = Map.of(B, 0L, C, 0L);
    ManualEnv renv = new ManualEnv(3);
    Replication rr = new Replication(renv, A, "r1", restarted, OPTIONS);
    rr.start();
    restarted.append(1);
    List<Replication.AckOutcome> outcomes = new ArrayList<>();
    rr.awaitAcks(1, WriteLevel.LOCAL_QUORUM, 500, outcomes::add);
    assertThat(outcomes).isEmpty(); // 1 of 2 needed: b and c may be in r1
    assertThat(rr.replicas(WriteLevel.LOCAL_QUORUM)).hasSize(2);

    rr.memberChanged(C, "r2", ADDR_C, MemberState.ALIVE); // c is elsewhere after all
    rr.memberChanged(B, "r1", ADDR_B, MemberState.ALIVE);
    assertThat(rr.replicas(WriteLevel.LOCAL_QUORUM))
        .extracting(Replication.Replica::id)
        .containsExactly(B);
    rr.onMessage(new BatchAck(B, restarted.id, 1));
    assertThat(outcomes).containsExactly(new Replication.AckOutcome(true, 2, 2, 2));
  }

  @Test
  void aMemberThatLeftNoLongerCounts() {
    up(B, ADDR_B, "r1");
    up(C, ADDR_C, "r2");
    local.append(1);
    List<Replication.AckOutcome> all = new ArrayList<>();
    r.awaitAcks(1, WriteLevel.ALL, 500, all::add);
    ack(B, 1);
    assertThat(all).isEmpty();
    r.memberChanged(C, "r2", ADDR_C, MemberState.LEFT);
    assertThat(all).containsExactly(new Replication.AckOutcome(true, 2, 2, 2));
  }

  /** Regression: stop answered waiters but kept them, so a later change completed them again. */
  @Test
  void stopAnswersEachWaiterOnce() {
    up(B, ADDR_B, "r1");
    local.append(1);
    List<Replication.AckOutcome> outcomes = new ArrayList<>();
    r.awaitAcks(1, WriteLevel.ALL, 500, outcomes::add);
    r.stop();
    ack(B, 1);
    env.advance(1_000);
    assertThat(outcomes).containsExactly(new Replication.AckOutcome(false, 1, 2, 2));
  }

  /**
   * Regression: after a peer came back, the stream resumed after what it had sent before the peer
   * went down, not at the peer's watermark, and the gap waited for a retransmit timeout.
   */
  @Test
  void aPeerThatComesBackResumesExactlyAtItsWatermark() {
    up(B, ADDR_B, "r1");
    ack(B, 0);
    local.append(8);
    r.localWritten();
    env.advance(5);
    ack(B, 4);
    r.memberChanged(B, "r1", ADDR_B, MemberState.DEAD);
    up(B, ADDR_B, "r1");
    env.drain();
    ack(B, 4); // the probe's answer: 5..8 never arrived
    assertThat(firstAndLast(batchesTo(ADDR_B))).containsExactly(5L, 8L);
  }

  /**
   * Regression: a restarted node knew only the peers membership had reported so far, trimmed its
   * log to their acknowledgements and left the others (down, or behind a partition) to
   * anti-entropy. The peers' acknowledgements are now persisted and hold the trim back.
   */
  @Test
  void aRestartedNodeKeepsEntriesForPeersItHasNotHeardOfYet() {
    up(B, ADDR_B, "r1");
    up(C, ADDR_C, "r2");
    ack(B, 0);
    ack(C, 0);
    env.advance(OPTIONS.tickMs());
    local.append(8);
    r.localWritten();
    env.advance(5);
    ack(B, 8);
    ack(C, 2);
    env.advance(OPTIONS.tickMs());
    assertThat(local.firstRetainedSequence()).isEqualTo(3);
    r.stop();

    Replication restarted = new Replication(env, A, "r1", local, OPTIONS);
    restarted.start();
    restarted.memberChanged(B, "r1", ADDR_B, MemberState.ALIVE);
    restarted.onMessage(new BatchAck(B, local.id, 8));
    env.advance(5 * OPTIONS.tickMs());
    assertThat(local.firstRetainedSequence()).as("c still needs 3..8").isEqualTo(3);
    assertThat(restarted.lag()).extracting(Replication.PeerLag::peer).containsExactly(B, C);
  }

  @Test
  void probesAreAnsweredWithTheWatermark() {
    local.applied.put(new ReplicaId("b"), 7L);
    up(B, ADDR_B, "r1");
    env.drain();
    r.onMessage(new StreamProbe(B, new ReplicaId("b")));
    List<ManualEnv.Sent> sent = env.drain();
    assertThat(sent)
        .extracting(ManualEnv.Sent::msg)
        .containsExactly(new BatchAck(A, new ReplicaId("b"), 7));
    assertThat(sent.getFirst().msg()).isInstanceOf(ReplicationMessage.class);
  }

  /** A replica whose merges complete only when the test says so. */
  static final class SlowReplica extends TestReplica {
    final List<List<LogEntry>> calls = new ArrayList<>();
    final List<Consumer<Boolean>> pending = new ArrayList<>();

    SlowReplica(String id) {
      super(id);
    }

    @Override
    public void merge(List<LogEntry> entries, Consumer<Boolean> done) {
      calls.add(List.copyOf(entries));
      pending.add(
          ok -> {
            merged.addAll(entries);
            done.accept(ok);
          });
    }

    void completeOne() {
      pending.removeFirst().accept(true);
    }
  }

  Replication slowReceiver(SlowReplica bLocal, ManualEnv bEnv) {
    Replication rb = new Replication(bEnv, B, "r1", bLocal, OPTIONS);
    rb.start();
    rb.memberChanged(A, "r1", new NodeAddress("a", 1), MemberState.ALIVE);
    bEnv.drain();
    return rb;
  }

  @Test
  void batchesMergeWhileEarlierOnesAreUnderWayAndBeyondTheLimitAreCoalesced() {
    SlowReplica bLocal = new SlowReplica("b");
    ManualEnv bEnv = new ManualEnv(3);
    Replication rb = slowReceiver(bLocal, bEnv);
    ReplicaId origin = local.id;
    rb.onMessage(new DeltaBatch(A, origin, 0, List.of(entry(origin, 1), entry(origin, 2))));
    rb.onMessage(new DeltaBatch(A, origin, 0, List.of(entry(origin, 3))));
    rb.onMessage(new DeltaBatch(A, origin, 0, List.of(entry(origin, 4), entry(origin, 5))));
    rb.onMessage(new DeltaBatch(A, origin, 0, List.of(entry(origin, 6))));
    rb.onMessage(new DeltaBatch(A, origin, 0, List.of(entry(origin, 7))));
    rb.onMessage(new DeltaBatch(A, origin, 0, List.of(entry(origin, 8), entry(origin, 9))));
    assertThat(bLocal.calls)
        .as("a merge per batch while fewer than the most are under way")
        .hasSize(Replication.MERGES_IN_FLIGHT_MAX);
    assertThat(acks(bEnv)).as("nothing durable yet").isEmpty();

    bLocal.completeOne();
    assertThat(bLocal.calls).as("the two queued batches merge as one").hasSize(5);
    assertThat(bLocal.calls.get(4)).extracting(e -> e.id().counter()).containsExactly(7L, 8L, 9L);
    while (!bLocal.pending.isEmpty()) {
      bLocal.completeOne();
    }
    assertThat(acks(bEnv)).containsExactly(2L, 3L, 5L, 6L, 9L);
    assertThat(bLocal.applied(origin)).isEqualTo(9);
  }

  @Test
  void aMergeThatCompletesBeforeAnEarlierOneWaitsForIt() {
    SlowReplica bLocal = new SlowReplica("b");
    ManualEnv bEnv = new ManualEnv(3);
    Replication rb = slowReceiver(bLocal, bEnv);
    ReplicaId origin = local.id;
    rb.onMessage(new DeltaBatch(A, origin, 0, List.of(entry(origin, 1))));
    rb.onMessage(new DeltaBatch(A, origin, 0, List.of(entry(origin, 2), entry(origin, 3))));

    bLocal.pending.remove(1).accept(true); // the second merge is durable first
    assertThat(acks(bEnv)).as("entry 1 may not be durable yet").isEmpty();
    assertThat(bLocal.applied(origin)).isZero();

    bLocal.completeOne();
    assertThat(acks(bEnv)).containsExactly(3L);
    assertThat(bLocal.applied(origin)).isEqualTo(3);
  }

  @Test
  void aFailedMergeGivesUpTheLaterOnesAndTheResentEntriesMergeAgain() {
    SlowReplica bLocal = new SlowReplica("b");
    ManualEnv bEnv = new ManualEnv(3);
    Replication rb = slowReceiver(bLocal, bEnv);
    ReplicaId origin = local.id;
    rb.onMessage(new DeltaBatch(A, origin, 0, List.of(entry(origin, 1))));
    rb.onMessage(new DeltaBatch(A, origin, 0, List.of(entry(origin, 2))));

    bLocal.pending.removeFirst().accept(false);
    assertThat(acks(bEnv)).containsExactly(0L);
    bLocal.completeOne(); // the given-up merge of entry 2 ends after all: ignored
    assertThat(acks(bEnv)).isEmpty();
    assertThat(bLocal.applied(origin)).isZero();

    rb.onMessage(new DeltaBatch(A, origin, 0, List.of(entry(origin, 1), entry(origin, 2))));
    bLocal.completeOne();
    assertThat(acks(bEnv)).containsExactly(2L);
    assertThat(bLocal.applied(origin)).isEqualTo(2);
  }

  // ---- causal delivery: a receiver "c" with origins "a" and "b" ----

  static final ReplicaId RA = new ReplicaId("a");
  static final ReplicaId RB = new ReplicaId("b");
  static final ReplicaId RC = new ReplicaId("c");

  static LogEntry entry(ReplicaId origin, long seq, VersionVector deps) {
    return entry(origin, seq).withDeps(deps);
  }

  Replication receiverC(TestReplica cLocal, ManualEnv cEnv, ReplicationOptions options) {
    Replication rc = new Replication(cEnv, C, "r2", cLocal, options);
    rc.start();
    rc.memberChanged(A, "r1", new NodeAddress("a", 1), MemberState.ALIVE);
    rc.memberChanged(B, "r1", ADDR_B, MemberState.ALIVE);
    cEnv.drain();
    return rc;
  }

  static List<String> mergedIds(TestReplica r) {
    return r.merged.stream().map(e -> e.id().toString()).toList();
  }

  /**
   * b wrote b:1 after it had merged a:1 (and b:2 after that), but b's stream reaches c first: c
   * holds b's entries until a:1 is merged, acknowledging to b only what it merged.
   */
  @Test
  void anEntryWaitsForTheEntryOfAnotherOriginItDependsOn() {
    TestReplica cLocal = new TestReplica("c");
    ManualEnv cEnv = new ManualEnv(4);
    Replication rc = receiverC(cLocal, cEnv, OPTIONS);

    rc.onMessage(
        new DeltaBatch(
            B,
            RB,
            0,
            List.of(entry(RB, 1, VersionVector.of(RA, 1)), entry(RB, 2, VersionVector.EMPTY))));
    assertThat(cLocal.merged).as("b:1 waits for a:1, b:2 behind it").isEmpty();
    assertThat(acks(cEnv)).containsExactly(0L);
    assertThat(rc.entriesHeldForDeps()).isEqualTo(2);

    rc.onMessage(new DeltaBatch(B, RB, 0, List.of(entry(RB, 1, VersionVector.of(RA, 1)))));
    assertThat(rc.entriesHeldForDeps()).as("a resent entry is not counted again").isEqualTo(2);
    cEnv.drain();

    rc.onMessage(new DeltaBatch(A, RA, 0, List.of(entry(RA, 1))));
    assertThat(mergedIds(cLocal)).containsExactly("a:1", "b:1", "b:2");
    assertThat(cLocal.applied(RA)).isEqualTo(1);
    assertThat(cLocal.applied(RB)).isEqualTo(2);
    List<ManualEnv.Sent> sent = cEnv.drain();
    assertThat(sent)
        .extracting(ManualEnv.Sent::msg)
        .containsExactly(new BatchAck(C, RA, 1), new BatchAck(C, RB, 2));
  }

  /** A dependency is met when the entry it names is durable, not when its merge was asked for. */
  @Test
  void aDependencyIsMetOnlyOnceTheMergeOfItsEntryCompletes() {
    SlowReplica cLocal = new SlowReplica("c");
    ManualEnv cEnv = new ManualEnv(5);
    Replication rc = receiverC(cLocal, cEnv, OPTIONS);
    rc.onMessage(new DeltaBatch(A, RA, 0, List.of(entry(RA, 1), entry(RA, 2))));
    rc.onMessage(new DeltaBatch(B, RB, 0, List.of(entry(RB, 1, VersionVector.of(RA, 2)))));
    assertThat(cLocal.calls).hasSize(1);

    cLocal.completeOne();
    assertThat(cLocal.calls).hasSize(2);
    assertThat(cLocal.calls.get(1)).extracting(e -> e.id().toString()).containsExactly("b:1");
    cLocal.completeOne();
    assertThat(mergedIds(cLocal)).containsExactly("a:1", "a:2", "b:1");
  }

  /** Only a prefix is merged: an entry with met dependencies behind a waiting one waits too. */
  @Test
  void theLongestPrefixWithMetDependenciesIsMerged() {
    TestReplica cLocal = new TestReplica("c");
    ManualEnv cEnv = new ManualEnv(6);
    Replication rc = receiverC(cLocal, cEnv, OPTIONS);
    rc.onMessage(new DeltaBatch(A, RA, 0, List.of(entry(RA, 1))));
    rc.onMessage(
        new DeltaBatch(
            B,
            RB,
            0,
            List.of(
                entry(RB, 1, VersionVector.of(RA, 1)),
                entry(RB, 2, VersionVector.of(RC, 5)), // c's own entries: always met
                entry(RB, 3, VersionVector.of(RA, 2)),
                entry(RB, 4))));
    assertThat(mergedIds(cLocal)).containsExactly("a:1", "b:1", "b:2");
    assertThat(rc.entriesHeldForDeps()).isEqualTo(2);

    rc.onMessage(new DeltaBatch(A, RA, 0, List.of(entry(RA, 2))));
    assertThat(mergedIds(cLocal)).containsExactly("a:1", "b:1", "b:2", "a:2", "b:3", "b:4");
  }

  /** A range the origin trimmed and the receiver skipped counts as met: it is anti-entropy's. */
  @Test
  void aSkippedRangeMeetsTheDependenciesOnIt() {
    TestReplica cLocal = new TestReplica("c");
    ManualEnv cEnv = new ManualEnv(7);
    Replication rc = receiverC(cLocal, cEnv, OPTIONS);
    rc.onMessage(new DeltaBatch(B, RB, 0, List.of(entry(RB, 1, VersionVector.of(RA, 3)))));
    assertThat(cLocal.merged).isEmpty();
    rc.onMessage(new DeltaBatch(A, RA, 5, List.of()));
    assertThat(mergedIds(cLocal)).containsExactly("b:1");
    assertThat(cLocal.applied(RA)).isEqualTo(4);
  }

  /** Without causal delivery (only for the simulator's negative test) nothing waits. */
  @Test
  void withoutCausalDeliveryEntriesMergeInArrivalOrder() {
    TestReplica cLocal = new TestReplica("c");
    ManualEnv cEnv = new ManualEnv(8);
    Replication rc = receiverC(cLocal, cEnv, OPTIONS.withCausalDelivery(false));
    rc.onMessage(new DeltaBatch(B, RB, 0, List.of(entry(RB, 1, VersionVector.of(RA, 1)))));
    rc.onMessage(new DeltaBatch(A, RA, 0, List.of(entry(RA, 1))));
    assertThat(mergedIds(cLocal)).containsExactly("b:1", "a:1");
    assertThat(rc.entriesHeldForDeps()).isZero();
  }

  /**
   * Waiting entries count against the origin's bound: batches beyond it are dropped (the sender
   * resends), and the held ones still merge once their dependency arrives.
   */
  @Test
  void heldEntriesCountAgainstTheReceiveBound() {
    TestReplica cLocal = new TestReplica("c");
    ManualEnv cEnv = new ManualEnv(9);
    Replication rc = receiverC(cLocal, cEnv, OPTIONS); // window of 8 entries
    List<LogEntry> first = new ArrayList<>();
    for (long seq = 1; seq <= 8; seq++) {
      first.add(entry(RB, seq, seq == 1 ? VersionVector.of(RA, 1) : VersionVector.EMPTY));
    }
    rc.onMessage(new DeltaBatch(B, RB, 0, first));
    rc.onMessage(new DeltaBatch(B, RB, 0, List.of(entry(RB, 9))));
    rc.onMessage(new DeltaBatch(A, RA, 0, List.of(entry(RA, 1))));
    assertThat(cLocal.applied(RB)).as("b:9 was over the bound").isEqualTo(8);
    rc.onMessage(new DeltaBatch(B, RB, 0, List.of(entry(RB, 9))));
    assertThat(cLocal.applied(RB)).isEqualTo(9);
  }
}
