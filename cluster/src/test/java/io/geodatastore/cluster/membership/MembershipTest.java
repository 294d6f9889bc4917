package io.geodatastore.cluster.membership;

import static org.assertj.core.api.Assertions.assertThat;

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
import io.geodatastore.cluster.testkit.ManualEnv;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One membership driven by hand: messages in, recorded messages out, a manual clock. */
class MembershipTest {

  private static final NodeAddress SEED = NodeAddress.parse("seed:1");
  private static final MembershipOptions OPTIONS = MembershipOptions.defaults();

  private final ManualEnv env = new ManualEnv(7);
  private final List<String> events = new ArrayList<>();
  private final MembershipListener recorder =
      new MembershipListener() {
        @Override
        public void onJoined(MemberInfo m) {
          events.add("joined " + m.nodeId() + " " + m.state().label());
        }

        @Override
        public void onStateChanged(MemberInfo before, MemberInfo after) {
          events.add(after.nodeId() + " " + before.state().label() + "->" + after.state().label());
        }

        @Override
        public void onRemoved(MemberInfo m) {
          events.add("removed " + m.nodeId());
        }
      };

  private Membership started(MembershipOptions options) {
    Membership m =
        new Membership(
            env, NodeId.of("a"), "r0", addr("a"), 10, List.of(SEED, addr("a")), options, recorder);
    m.start();
    return m;
  }

  private static NodeAddress addr(String name) {
    return new NodeAddress(name, 1);
  }

  private static MemberUpdate u(String name, long incarnation, MemberState state) {
    return new MemberUpdate(NodeId.of(name), "r1", addr(name), incarnation, state);
  }

  private static MemberUpdate alive(String name) {
    return u(name, 0, MemberState.ALIVE);
  }

  private static Ping ping(String from, long seq, MemberUpdate... updates) {
    return new Ping(seq, alive(from), List.of(updates));
  }

  private void knowing(Membership m, String... names) {
    List<MemberUpdate> view = new ArrayList<>();
    for (String n : names) {
      view.add(alive(n));
    }
    m.receive(new JoinReply(view.get(0), view));
  }

  private <T extends MembershipMessage> List<T> sentOf(Class<T> type) {
    List<T> out = new ArrayList<>();
    for (ManualEnv.Sent s : env.sent()) {
      if (type.isInstance(s.msg())) {
        out.add(type.cast(s.msg()));
      }
    }
    return out;
  }

  private MemberState stateOf(Membership m, String name) {
    return m.member(NodeId.of(name)).map(MemberInfo::state).orElse(null);
  }

  @Test
  void startingSendsAJoinToEverySeedButItself() {
    Membership m = started(OPTIONS);
    List<ManualEnv.Sent> sent = env.sent();
    assertThat(sent).hasSize(1);
    assertThat(sent.get(0).to()).isEqualTo(SEED);
    Join join = (Join) sent.get(0).msg();
    assertThat(join.from())
        .isEqualTo(new MemberUpdate(m.selfId(), "r0", addr("a"), 10, MemberState.ALIVE));
    assertThat(join.view()).containsExactly(join.from());
  }

  @Test
  void seedsAreAskedAgainWhileNoOtherMemberIsKnown() {
    MembershipOptions options = OPTIONS.toBuilder().reconnectIntervalMs(60_000).build();
    Membership m = started(options);
    env.advance(options.joinRetryIntervalMs() * 3 + options.protocolPeriodMs());
    assertThat(sentOf(Join.class)).hasSizeGreaterThanOrEqualTo(3);
    knowing(m, "b");
    env.drain();
    env.advance(options.joinRetryIntervalMs() * 3);
    assertThat(sentOf(Join.class)).isEmpty();
  }

  @Test
  void nowAndThenViewsAreExchangedWithADeadMemberOrAnUnreachedSeed() {
    Membership m = started(OPTIONS);
    knowing(m, "b", "c");
    m.receive(ping("b", 1, u("c", 0, MemberState.DEAD)));
    env.drain();
    List<ManualEnv.Sent> joins = new ArrayList<>();
    for (long t = 0; t < OPTIONS.reconnectIntervalMs() * 20; t += 100) {
      env.advance(100);
      joins.addAll(env.sent().stream().filter(s -> s.msg() instanceof Join).toList());
      answerProbes(m, "c"); // b answers, c is dead
    }
    assertThat(joins).hasSizeBetween(15, 21);
    assertThat(joins)
        .extracting(ManualEnv.Sent::to)
        .containsOnly(addr("c"), SEED)
        .contains(addr("c"), SEED);
  }

  @Test
  void aJoinIsAnsweredWithTheFullViewIncludingTheDeadAndTheJoiner() {
    Membership m = started(OPTIONS);
    knowing(m, "b", "c");
    m.receive(new JoinReply(alive("b"), List.of(u("c", 0, MemberState.DEAD))));
    env.drain();
    m.receive(new Join(alive("d"), List.of(alive("d"))));
    List<ManualEnv.Sent> sent = env.drain();
    assertThat(sent).hasSize(1);
    assertThat(sent.get(0).to()).isEqualTo(addr("d"));
    JoinReply reply = (JoinReply) sent.get(0).msg();
    assertThat(reply.view())
        .extracting(x -> x.nodeId().value() + "=" + x.state().label())
        .containsExactlyInAnyOrder("a=alive", "b=alive", "c=dead", "d=alive");
  }

  @Test
  void theViewIsSortedByNodeIdAndIncludesThisNode() {
    Membership m = started(OPTIONS);
    knowing(m, "c", "0", "b");
    assertThat(m.view()).extracting(x -> x.nodeId().value()).containsExactly("0", "a", "b", "c");
    assertThat(m.membersByState())
        .containsEntry(MemberState.ALIVE, 4)
        .containsEntry(MemberState.SUSPECT, 0)
        .containsEntry(MemberState.DEAD, 0)
        .containsEntry(MemberState.LEFT, 0);
    assertThat(m.aliveIn("r0")).extracting(x -> x.nodeId().value()).containsExactly("a");
    assertThat(m.regions()).containsExactly("r0", "r1");
  }

  @Test
  void higherIncarnationWinsAndEqualIncarnationTakesTheStrongerState() {
    Membership m = started(OPTIONS);
    knowing(m, "b", "c");
    m.receive(ping("b", 1, u("c", 5, MemberState.SUSPECT)));
    assertThat(stateOf(m, "c")).isEqualTo(MemberState.SUSPECT);
    m.receive(ping("b", 2, u("c", 5, MemberState.ALIVE)));
    assertThat(stateOf(m, "c"))
        .as("alive does not override suspect at 5")
        .isEqualTo(MemberState.SUSPECT);
    m.receive(ping("b", 3, u("c", 6, MemberState.ALIVE)));
    assertThat(stateOf(m, "c")).isEqualTo(MemberState.ALIVE);
    m.receive(ping("b", 4, u("c", 5, MemberState.DEAD)));
    assertThat(stateOf(m, "c")).as("stale").isEqualTo(MemberState.ALIVE);
    m.receive(ping("b", 5, u("c", 6, MemberState.DEAD)));
    m.receive(ping("b", 6, u("c", 6, MemberState.LEFT)));
    assertThat(stateOf(m, "c")).isEqualTo(MemberState.LEFT);
    assertThat(events)
        .containsExactly(
            "joined b alive",
            "joined c alive",
            "c alive->suspect",
            "c suspect->alive",
            "c alive->dead",
            "c dead->left");
  }

  @Test
  void newsOfTheDepartureOfAnUnknownMemberIsIgnored() {
    Membership m = started(OPTIONS);
    knowing(m, "b");
    m.receive(ping("b", 1, u("x", 3, MemberState.DEAD), u("y", 3, MemberState.LEFT)));
    assertThat(m.member(NodeId.of("x"))).isEmpty();
    assertThat(m.member(NodeId.of("y"))).isEmpty();
  }

  @Test
  void aSuspectedNodeRefutesWithTheNextIncarnation() {
    Membership m = started(OPTIONS);
    knowing(m, "b");
    env.drain();
    m.receive(ping("b", 1, new MemberUpdate(m.selfId(), "r0", addr("a"), 10, MemberState.SUSPECT)));
    assertThat(m.incarnation()).isEqualTo(11);
    Ack ack = (Ack) env.drain().get(0).msg();
    assertThat(ack.from().incarnation()).isEqualTo(11);
    assertThat(ack.updates())
        .contains(new MemberUpdate(m.selfId(), "r0", addr("a"), 11, MemberState.ALIVE));
    // Old news about an older incarnation changes nothing; a newer one is overtaken.
    m.receive(ping("b", 2, new MemberUpdate(m.selfId(), "r0", addr("a"), 3, MemberState.DEAD)));
    assertThat(m.incarnation()).isEqualTo(11);
    m.receive(ping("b", 3, new MemberUpdate(m.selfId(), "r0", addr("a"), 40, MemberState.ALIVE)));
    assertThat(m.incarnation()).isEqualTo(41);
    assertThat(m.self().state()).isEqualTo(MemberState.ALIVE);
  }

  @Test
  void aMessageToAMemberBelievedDeadCarriesThatBeliefFirst() {
    Membership m = started(OPTIONS);
    knowing(m, "b", "c");
    m.receive(ping("c", 1, u("b", 0, MemberState.DEAD)));
    env.drain();
    m.receive(ping("b", 9));
    Ack ack = (Ack) env.drain().get(0).msg();
    assertThat(ack.seq()).isEqualTo(9);
    assertThat(ack.updates().get(0)).isEqualTo(u("b", 0, MemberState.DEAD));
  }

  @Test
  void piggybackIsBoundedAndEveryUpdateIsSentALimitedNumberOfTimes() {
    MembershipOptions options = OPTIONS.toBuilder().piggybackMax(4).build();
    Membership m = started(options);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      names.add("m" + i);
    }
    knowing(m, names.toArray(String[]::new));
    int limit = m.transmitLimit();
    assertThat(limit).isEqualTo(3 * 5); // 21 members: ceil(log2(22)) = 5
    Map<NodeId, Integer> transmissions = new HashMap<>();
    for (int seq = 0; seq < 200; seq++) {
      env.drain();
      m.receive(ping("m0", seq));
      Ack ack = (Ack) env.drain().get(0).msg();
      assertThat(ack.updates()).hasSizeLessThanOrEqualTo(4);
      for (MemberUpdate x : ack.updates()) {
        transmissions.merge(x.nodeId(), 1, Integer::sum);
      }
    }
    assertThat(transmissions).hasSize(20);
    assertThat(transmissions.values()).allMatch(n -> n == limit);
  }

  @Test
  void aProbeWithoutAnyAckMakesTheTargetSuspectThenDeadThenPurged() {
    Membership m = started(OPTIONS);
    knowing(m, "b");
    env.advance(OPTIONS.protocolPeriodMs() * 2);
    assertThat(sentOf(Ping.class)).isNotEmpty();
    assertThat(stateOf(m, "b")).isEqualTo(MemberState.SUSPECT);
    env.advance(OPTIONS.suspicionTimeoutMs());
    assertThat(stateOf(m, "b")).isEqualTo(MemberState.DEAD);
    env.advance(OPTIONS.deadRetentionMs() + OPTIONS.protocolPeriodMs());
    assertThat(m.member(NodeId.of("b"))).isEmpty();
    assertThat(events)
        .containsExactly("joined b alive", "b alive->suspect", "b suspect->dead", "removed b");
  }

  @Test
  void withoutADirectAckTheTargetIsProbedThroughOthersAndARelayedAckClearsIt() {
    Membership m = started(OPTIONS);
    knowing(m, "b", "c", "d", "e");
    env.drain();
    env.advance(OPTIONS.protocolPeriodMs()); // the first period starts within one period
    Ping probe = sentOf(Ping.class).get(0);
    NodeAddress target = env.sent().get(0).to();
    env.advance(OPTIONS.pingTimeoutMs());
    List<ManualEnv.Sent> reqs =
        env.sent().stream().filter(s -> s.msg() instanceof PingReq).toList();
    assertThat(reqs).hasSize(3).allMatch(s -> !s.to().equals(target));
    String targetName = target.host();
    m.receive(new Ack(probe.seq(), alive(targetName), List.of()));
    env.advance(OPTIONS.protocolPeriodMs());
    assertThat(stateOf(m, targetName)).isEqualTo(MemberState.ALIVE);
  }

  @Test
  void anIndirectProbeForAnotherMemberRelaysTheAckUnderTheRequestersSeq() {
    Membership m = started(OPTIONS);
    knowing(m, "b", "c");
    env.drain();
    m.receive(new PingReq(77, alive("b"), NodeId.of("c"), addr("c")));
    ManualEnv.Sent ping = env.drain().get(0);
    assertThat(ping.to()).isEqualTo(addr("c"));
    long relaySeq = ((Ping) ping.msg()).seq();
    m.receive(new Ack(relaySeq, alive("c"), List.of()));
    ManualEnv.Sent relayed = env.drain().get(0);
    assertThat(relayed.to()).isEqualTo(addr("b"));
    Ack ack = (Ack) relayed.msg();
    assertThat(ack.seq()).isEqualTo(77);
    assertThat(ack.from()).isEqualTo(alive("c"));
  }

  @Test
  void leavingTellsOthersKeepsGossipingThenStops() {
    Membership m = started(OPTIONS);
    knowing(m, "b", "c");
    env.drain();
    boolean[] stopped = {false};
    m.leave(() -> stopped[0] = true);
    assertThat(m.self().state()).isEqualTo(MemberState.LEFT);
    List<Ping> notices = sentOf(Ping.class);
    assertThat(notices).hasSize(2).allMatch(p -> p.from().state() == MemberState.LEFT);
    m.receive(ping("b", 5, new MemberUpdate(m.selfId(), "r0", addr("a"), 10, MemberState.DEAD)));
    assertThat(m.incarnation()).as("a leaving node does not refute").isEqualTo(10);
    env.advance(OPTIONS.leaveGraceMs());
    assertThat(stopped[0]).isTrue();
    assertThat(m.isStopped()).isTrue();
    env.drain();
    m.receive(ping("b", 6));
    env.advance(10_000);
    assertThat(env.sent()).isEmpty();
  }

  @Test
  void theViewHoldsAtMostMembersMax() {
    Membership m = started(OPTIONS.toBuilder().membersMax(3).build());
    knowing(m, "b", "c", "d", "e", "f");
    assertThat(m.view()).hasSize(4);
  }

  @Test
  void aMemberWhoseSilenceIsAbnormalIsProbedOutOfTurn() {
    Membership m = started(OPTIONS);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      names.add("m" + i); // many members: a round takes 20 s, so round-robin alone would be slow
    }
    knowing(m, names.toArray(String[]::new));
    // Everyone pings us every 500 ms for a while, so φ learns a regular rhythm.
    long seq = 1000;
    for (int round = 0; round < 60; round++) {
      for (String n : names) {
        m.receive(ping(n, seq++));
      }
      env.advance(500);
      answerProbes(m, "none");
    }
    // Then one member falls silent; the others go on. Step by 100 ms to see when φ crosses.
    String silent = "m17";
    NodeId h = NodeId.of(silent);
    long silentSinceMs = env.nowMs();
    long crossedAtMs = -1;
    long probedAtMs = -1;
    for (int step = 0; step < 200 && probedAtMs < 0; step++) {
      if (step % 5 == 0) {
        for (String n : names) {
          if (!n.equals(silent)) {
            m.receive(ping(n, seq++));
          }
        }
      }
      env.advance(100);
      if (crossedAtMs < 0 && m.phi(h) >= OPTIONS.phi().threshold()) {
        crossedAtMs = env.nowMs();
      }
      for (ManualEnv.Sent sent : env.sent()) {
        if (sent.msg() instanceof Ping && sent.to().equals(addr(silent)) && probedAtMs < 0) {
          probedAtMs = sent.atMs();
        }
      }
      answerProbes(m, silent);
    }
    // Mean 500 ms + 1000 ms acceptable pause, deviation floored at 500 ms: φ = 8 after about 4 s.
    assertThat(crossedAtMs - silentSinceMs).isBetween(3_000L, 5_000L);
    // Probed in the first period after φ crossed (a round-robin round of 40 takes 20 s).
    assertThat(probedAtMs).isBetween(crossedAtMs - 100, crossedAtMs + OPTIONS.protocolPeriodMs());
  }

  /** Acks every probe the membership sent, except those to the silent member. */
  private void answerProbes(Membership m, String silent) {
    for (ManualEnv.Sent s : env.drain()) {
      if (s.msg() instanceof Ping p && !s.to().host().equals(silent)) {
        m.receive(new Ack(p.seq(), alive(s.to().host()), List.of()));
      }
    }
  }
}
