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
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two replicas exchanging full records through their {@link RecordExchange}s. */
class RecordExchangeTest {

  static final NodeId A = NodeId.of("a");
  static final NodeId B = NodeId.of("b");
  static final NodeAddress ADDR_A = new NodeAddress("a", 1);
  static final NodeAddress ADDR_B = new NodeAddress("b", 2);

  ManualEnv envA;
  ManualEnv envB;
  TestReplica ra;
  TestReplica rb;
  RecordExchange xa;
  RecordExchange xb;

  @BeforeEach
  void setUp() {
    envA = new ManualEnv(1);
    envB = new ManualEnv(2);
    ra = new TestReplica("ra");
    rb = new TestReplica("rb");
    xa = new RecordExchange(envA, A, ADDR_A, ra, 100, 2, r -> 40, new CausalGate(envA, ra, 0, 8));
    xb = new RecordExchange(envB, B, ADDR_B, rb, 100, 2, r -> 40, new CausalGate(envB, rb, 0, 8));
  }

  /** Delivers every message either side sent, until both are quiet. */
  void deliver() {
    for (int round = 0; round < 10; round++) {
      envA.advance(0);
      envB.advance(0);
      List<ManualEnv.Sent> sent = new ArrayList<>(envA.drain());
      sent.addAll(envB.drain());
      if (sent.isEmpty()) {
        return;
      }
      for (ManualEnv.Sent s : sent) {
        (s.to().equals(ADDR_A) ? xa : xb).onMessage((RecordMessage) s.msg());
      }
    }
  }

  static KeyRecord counter(String replica, long n) {
    return KeyRecord.live(GCounter.of(VersionVector.of(new ReplicaId(replica), n)));
  }

  static KeyRef key(String name) {
    return KeyRef.of(Family.COUNTERS, name);
  }

  @Test
  void fetchAnswersFoundAbsentAndDeferredPastTheByteBound() {
    rb.records.put(key("x"), counter("rb", 3));
    rb.records.put(key("y"), counter("rb", 4));
    rb.records.put(key("z"), counter("rb", 5));
    rb.last = 7;
    List<Optional<RecordMessage.Records>> got = new ArrayList<>();
    xa.fetch(ADDR_B, List.of(key("x"), key("y"), key("z"), key("w")), 1000, got::add);
    deliver();

    assertThat(got).hasSize(1);
    RecordMessage.Records r = got.getFirst().orElseThrow();
    // 100 bytes per answer at 40 a record: two fit, the third is deferred.
    assertThat(r.found()).extracting(KeyedRecord::key).containsExactly(key("x"), key("y"));
    assertThat(r.deferred()).containsExactly(key("z"));
    assertThat(r.absent()).containsExactly(key("w"));
    assertThat(r.covers().get(new ReplicaId("rb"))).isEqualTo(7);
  }

  @Test
  void pushMergesAndAcknowledgesWhatChanged() {
    rb.records.put(key("x"), counter("rb", 3));
    ra.last = 9;
    List<Optional<RecordMessage.PushAck>> got = new ArrayList<>();
    xa.push(
        ADDR_B,
        List.of(
            new KeyedRecord(key("x"), counter("rb", 3)),
            new KeyedRecord(key("y"), counter("ra", 2))),
        1000,
        got::add);
    deliver();

    assertThat(got).hasSize(1);
    RecordMessage.PushAck ack = got.getFirst().orElseThrow();
    assertThat(ack.ok()).isTrue();
    assertThat(ack.changed()).isEqualTo(1); // x was already there
    assertThat(rb.records).containsKey(key("y"));
    assertThat(rb.covered.get(new ReplicaId("ra"))).isEqualTo(9);
    assertThat(xb.recordsMerged()).isEqualTo(1);
  }

  @Test
  void aLostAnswerTimesOutOnceAndALateOneIsIgnored() {
    List<Optional<RecordMessage.Records>> got = new ArrayList<>();
    xa.fetch(ADDR_B, List.of(key("x")), 50, got::add);
    List<ManualEnv.Sent> request = envA.drain(); // lost on the way, for now
    envA.advance(50);
    assertThat(got).containsExactly(Optional.empty());

    xb.onMessage((RecordMessage) request.getFirst().msg());
    envB.advance(0);
    for (ManualEnv.Sent s : envB.drain()) {
      xa.onMessage((RecordMessage) s.msg()); // the late answer
    }
    assertThat(got).hasSize(1);
  }

  @Test
  void requestsBeyondThePendingBoundAndAfterStopHearNoAnswer() {
    List<Optional<RecordMessage.Records>> got = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      xa.fetch(ADDR_B, List.of(key("x")), 1000, got::add);
    }
    envA.advance(0);
    assertThat(got).containsExactly(Optional.empty()); // the third, over the bound of 2
    xa.stop();
    assertThat(got).hasSize(3).allMatch(Optional::isEmpty);
    xa.fetch(ADDR_B, List.of(key("x")), 1000, got::add);
    envA.advance(0);
    assertThat(got).hasSize(4);
    assertThat(envA.drain()).hasSize(2); // only the two requests made before the stop went out
  }
}
