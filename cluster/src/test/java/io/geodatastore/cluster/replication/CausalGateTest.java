package io.geodatastore.cluster.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.cluster.NodeAddress;
import io.geodatastore.cluster.NodeId;
import io.geodatastore.cluster.RecordMessage;
import io.geodatastore.cluster.repair.CausalGate;
import io.geodatastore.cluster.repair.RecordExchange;
import io.geodatastore.cluster.testkit.ManualEnv;
import io.geodatastore.cluster.testkit.TestReplica;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.crdt.GCounter;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.KeyedRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Full records from a peer wait for the local replica to have applied their causal past, for a
 * bounded time; then they are merged anyway, counted as forced.
 */
class CausalGateTest {

  static final ReplicaId X = new ReplicaId("x");
  static final ReplicaId Y = new ReplicaId("y");

  final ManualEnv env = new ManualEnv(1);
  final TestReplica replica = new TestReplica("self");
  final List<String> ran = new ArrayList<>();

  static VersionVector vv(Map<ReplicaId, Long> m) {
    return VersionVector.of(m);
  }

  @Test
  void recordsWhosePastIsAppliedPassAtOnceAndTheReplicasOwnOriginIsNotWaitedFor() {
    CausalGate gate = new CausalGate(env, replica, 5_000, 4);
    replica.applied.put(X, 10L);
    replica.last = 3;

    assertThat(gate.admit(vv(Map.of(X, 10L, new ReplicaId("self"), 99L)), () -> ran.add("a")))
        .isTrue();

    assertThat(ran).containsExactly("a");
    assertThat(gate.immediateMerges()).isEqualTo(1);
  }

  @Test
  void recordsWaitUntilTheReplicaCatchesUp() {
    CausalGate gate = new CausalGate(env, replica, 5_000, 4);
    replica.applied.put(X, 4L);

    gate.admit(vv(Map.of(X, 10L)), () -> ran.add("a"));
    env.advance(1_000);
    assertThat(ran).isEmpty();
    assertThat(gate.waiting()).isEqualTo(1);

    replica.applied.put(X, 10L);
    env.advance(20);
    assertThat(ran).containsExactly("a");
    assertThat(gate.delayedMerges()).isEqualTo(1);
    assertThat(gate.forcedMerges()).isZero();
  }

  @Test
  void waitingRecordsGoOnAsSoonAsReplicationReportsTheirPastApplied() {
    CausalGate gate = new CausalGate(env, replica, 5_000, 4);
    gate.admit(vv(Map.of(X, 10L)), () -> ran.add("a"));
    gate.appliedAdvanced(); // something else moved
    assertThat(ran).isEmpty();

    replica.applied.put(X, 10L);
    gate.appliedAdvanced(); // no time passes: not at the next poll

    assertThat(ran).containsExactly("a");
    assertThat(gate.delayedMerges()).isEqualTo(1);
  }

  @Test
  void aCallersOwnBoundRefusesTheRecordsWhenItRunsOutInsteadOfForcingThem() {
    CausalGate gate = new CausalGate(env, replica, 5_000, 4);
    List<String> refused = new ArrayList<>();
    gate.admit(vv(Map.of(X, 10L)), 100, () -> ran.add("a"), () -> refused.add("a"));
    env.advance(90);
    assertThat(refused).isEmpty();
    env.advance(20);

    assertThat(ran).isEmpty();
    assertThat(refused).containsExactly("a");
    assertThat(gate.refusedMerges()).isEqualTo(1);
    assertThat(gate.forcedMerges()).isZero();
    // Nothing was given up on: records needing X through 10 still wait.
    gate.admit(vv(Map.of(X, 10L)), () -> ran.add("b"));
    assertThat(gate.waiting()).isEqualTo(1);

    // A past that is applied passes at once, bound or not.
    replica.applied.put(X, 10L);
    gate.admit(vv(Map.of(X, 10L)), 100, () -> ran.add("c"), () -> refused.add("c"));
    assertThat(ran).containsExactly("c");
  }

  @Test
  void aPastThatNeverComesIsForcedAfterTheWaitAndNotWaitedForAgain() {
    CausalGate gate = new CausalGate(env, replica, 5_000, 4);
    gate.admit(vv(Map.of(X, 10L)), () -> ran.add("a"));
    env.advance(4_990);
    assertThat(ran).isEmpty();
    env.advance(20);
    assertThat(ran).containsExactly("a");
    assertThat(gate.forcedMerges()).isEqualTo(1);

    // X through 10 was given up on: records needing no more of it pass at once...
    gate.admit(vv(Map.of(X, 8L)), () -> ran.add("b"));
    assertThat(ran).containsExactly("a", "b");
    // ...records needing more of it, or of another origin, wait again.
    gate.admit(vv(Map.of(X, 11L)), () -> ran.add("c"));
    gate.admit(vv(Map.of(Y, 1L)), () -> ran.add("d"));
    assertThat(ran).containsExactly("a", "b");
    assertThat(gate.waiting()).isEqualTo(2);
  }

  @Test
  void aZeroWaitForcesAtOnceAndTheNumberOfWaitersIsBounded() {
    CausalGate zero = new CausalGate(env, replica, 0, 1);
    zero.admit(vv(Map.of(X, 1L)), () -> ran.add("a"));
    assertThat(ran).containsExactly("a");
    assertThat(zero.forcedMerges()).isEqualTo(1);

    CausalGate small = new CausalGate(env, replica, 5_000, 1);
    assertThat(small.admit(vv(Map.of(Y, 1L)), () -> ran.add("b"))).isTrue();
    assertThat(small.admit(vv(Map.of(Y, 2L)), () -> ran.add("c"))).isFalse();
  }

  @Test
  void pushedRecordsAreMergedAndAcknowledgedOnlyOnceTheirPastIsApplied() {
    NodeAddress addrA = new NodeAddress("a", 1);
    NodeAddress addrB = new NodeAddress("b", 2);
    ManualEnv envA = new ManualEnv(2);
    TestReplica ra = new TestReplica("ra");
    ra.applied.put(X, 7L);
    CausalGate gateB = new CausalGate(env, replica, 5_000, 4);
    RecordExchange xa =
        new RecordExchange(
            envA, NodeId.of("a"), addrA, ra, 1 << 20, 4, r -> 40, new CausalGate(envA, ra, 0, 4));
    RecordExchange xb =
        new RecordExchange(env, NodeId.of("b"), addrB, replica, 1 << 20, 4, r -> 40, gateB);
    KeyRef k = KeyRef.of(Family.COUNTERS, "k");
    KeyRecord rec = KeyRecord.live(GCounter.of(VersionVector.of(X, 7)));
    List<Optional<RecordMessage.PushAck>> acks = new ArrayList<>();

    xa.push(addrB, List.of(new KeyedRecord(k, rec)), 60_000, acks::add);
    envA.drain().forEach(s -> xb.onMessage((RecordMessage) s.msg()));
    env.advance(100);
    assertThat(replica.records).isEmpty();
    assertThat(env.drain()).isEmpty(); // no acknowledgement yet

    replica.applied.put(X, 7L); // the stream of X caught up
    env.advance(20);
    assertThat(replica.records).containsKey(k);
    env.drain().forEach(s -> xa.onMessage((RecordMessage) s.msg()));
    assertThat(acks).hasSize(1);
    assertThat(acks.getFirst().orElseThrow().changed()).isEqualTo(1);
  }

  @Test
  void aPushNamingLessPastThanItCoversWaitsOnlyForThatPastAndOneWithABoundIsRefusedAfterIt() {
    NodeAddress addrA = new NodeAddress("a", 1);
    NodeAddress addrB = new NodeAddress("b", 2);
    ManualEnv envA = new ManualEnv(2);
    TestReplica ra = new TestReplica("ra");
    RecordExchange xa =
        new RecordExchange(
            envA, NodeId.of("a"), addrA, ra, 1 << 20, 4, r -> 40, new CausalGate(envA, ra, 0, 4));
    CausalGate gateB = new CausalGate(env, replica, 5_000, 4);
    RecordExchange xb =
        new RecordExchange(env, NodeId.of("b"), addrB, replica, 1 << 20, 4, r -> 40, gateB);
    KeyRef k = KeyRef.of(Family.COUNTERS, "k");
    KeyRecord rec = KeyRecord.live(GCounter.of(VersionVector.of(X, 7)));
    List<Optional<RecordMessage.PushAck>> acks = new ArrayList<>();

    // The records carry X's entries 1..7 themselves: only Y through 3 must be applied first.
    replica.applied.put(Y, 3L);
    xa.push(
        addrB,
        List.of(new KeyedRecord(k, rec)),
        vv(Map.of(X, 7L, Y, 3L)),
        vv(Map.of(Y, 3L)),
        100,
        60_000,
        acks::add);
    envA.drain().forEach(s -> xb.onMessage((RecordMessage) s.msg()));
    env.advance(2);
    env.drain().forEach(s -> xa.onMessage((RecordMessage) s.msg()));
    assertThat(replica.records).containsKey(k);
    assertThat(acks).singleElement().satisfies(a -> assertThat(a.orElseThrow().ok()).isTrue());

    // Y through 4 never comes: refused after the push's 100 ms, nothing merged.
    KeyRef k2 = KeyRef.of(Family.COUNTERS, "k2");
    xa.push(
        addrB,
        List.of(new KeyedRecord(k2, rec)),
        vv(Map.of(X, 7L, Y, 4L)),
        vv(Map.of(Y, 4L)),
        100,
        60_000,
        acks::add);
    envA.drain().forEach(s -> xb.onMessage((RecordMessage) s.msg()));
    env.advance(120);
    env.drain().forEach(s -> xa.onMessage((RecordMessage) s.msg()));
    assertThat(replica.records).doesNotContainKey(k2);
    assertThat(acks).hasSize(2);
    assertThat(acks.get(1).orElseThrow().ok()).isFalse();
    assertThat(gateB.refusedMerges()).isEqualTo(1);
    assertThat(gateB.forcedMerges()).isZero();
  }
}
