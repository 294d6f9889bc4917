package io.geodatastore.cluster.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.cluster.MemberState;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Multi-node scenarios on a simulated network; every node runs default options. */
class MembershipScenarioTest {

  private static final long SEED = 42;

  private static SimCluster startedCluster(int size) {
    SimCluster c = new SimCluster(SEED, size, List.of(0), MembershipOptions.defaults());
    c.startAll(10);
    return c;
  }

  private static Set<Integer> all(SimCluster c) {
    Set<Integer> all = new HashSet<>();
    for (int i = 0; i < c.size(); i++) {
      all.add(i);
    }
    return all;
  }

  @Test
  void nineNodesInThreeRegionsJoinThroughOneSeedAndConvergeToAllAlive() {
    SimCluster c = startedCluster(9);
    boolean converged = c.net.runUntil(c::converged, 100, 10_000);
    assertThat(converged).as(c.describe()).isTrue();
    Membership n4 = c.node(4);
    assertThat(n4.view()).hasSize(9);
    assertThat(n4.view().get(0).nodeId()).isEqualTo(SimCluster.id(0));
    assertThat(n4.aliveIn("r1"))
        .extracting(m -> m.nodeId().value())
        .containsExactly("n1", "n4", "n7");
    assertThat(n4.regions()).containsExactly("r0", "r1", "r2");
    assertThat(n4.membersByState()).containsEntry(MemberState.ALIVE, 9);
    // And stays so: no false suspicions on a healthy network.
    c.net.runFor(60_000);
    assertThat(c.converged()).as(c.describe()).isTrue();
    for (int i = 0; i < 9; i++) {
      assertThat(c.node(i).incarnation()).as("n%d never had to refute", i).isZero();
    }
  }

  /** Crashes node {@code n} of a converged cluster; returns the others, which all see it dead. */
  private static Set<Integer> crashUntilDeadEverywhere(SimCluster c, int n) {
    assertThat(c.net.runUntil(c::converged, 100, 10_000)).isTrue();
    c.crash(n);
    Set<Integer> others = c.upNodes();
    boolean dead = c.net.runUntil(() -> c.allSee(others, Set.of(n), MemberState.DEAD), 100, 30_000);
    assertThat(dead).as(c.describe()).isTrue();
    return others;
  }

  @Test
  void aCrashedNodeBecomesDeadEverywhere() {
    SimCluster c = startedCluster(7);
    Set<Integer> others = crashUntilDeadEverywhere(c, 5);
    assertThat(c.allSee(others, others, MemberState.ALIVE)).as(c.describe()).isTrue();
  }

  @Test
  void aDeadNodeRemovedAtOneNodeLeavesEveryViewAndStaysOut() {
    SimCluster c = startedCluster(7);
    Set<Integer> others = crashUntilDeadEverywhere(c, 5);
    assertThat(c.node(2).remove(SimCluster.id(0), "r0", SimCluster.address(0)))
        .as("an alive member is not removed")
        .isFalse();

    assertThat(c.node(2).remove(SimCluster.id(5), "r2", SimCluster.address(5))).isTrue();

    // Gossip carries the removal to every node; stale news of n5's death does not bring it back.
    boolean gone =
        c.net.runUntil(() -> others.stream().allMatch(o -> c.stateAt(o, 5).isEmpty()), 100, 30_000);
    assertThat(gone).as(c.describe()).isTrue();
    c.net.runFor(60_000);
    for (int o : others) {
      assertThat(c.stateAt(o, 5)).as("n%d's view of n5\n%s", o, c.describe()).isEmpty();
      assertThat(c.node(o).isRemoved(SimCluster.id(5))).isTrue();
    }
    assertThat(c.allSee(others, others, MemberState.ALIVE)).as(c.describe()).isTrue();
  }

  @Test
  void aSlowLossyNodeIsSuspectedButRefutesAndIsNeverDeclaredDead() {
    SimCluster c = startedCluster(9);
    assertThat(c.net.runUntil(c::converged, 100, 10_000)).isTrue();
    c.net.loss(SimCluster.address(3), 0.3);
    c.net.extraLatency(SimCluster.address(3), 20);
    Set<Integer> others = new HashSet<>(all(c));
    others.remove(3);
    boolean everSuspected = false;
    for (int step = 0; step < 1200; step++) { // two simulated minutes
      c.net.runFor(100);
      for (int o : others) {
        MemberState s = c.stateAt(o, 3).orElseThrow();
        assertThat(s)
            .as("n%d's view of n3 at %d ms\n%s", o, c.net.nowMs(), c.describe())
            .isIn(MemberState.ALIVE, MemberState.SUSPECT);
        everSuspected |= s == MemberState.SUSPECT;
      }
    }
    assertThat(everSuspected).as("30% loss should cause at least one suspicion").isTrue();
    assertThat(c.node(3).incarnation()).as("n3 refuted").isPositive();
    c.net.heal();
    assertThat(c.net.runUntil(c::converged, 100, 10_000)).as(c.describe()).isTrue();
  }

  @Test
  void aPartitionedRegionIsDeadToTheOtherSideAndEveryoneIsAliveAgainAfterHealing() {
    SimCluster c = startedCluster(9);
    assertThat(c.net.runUntil(c::converged, 100, 10_000)).isTrue();
    Set<Integer> isolated = c.regionMembers(2);
    Set<Integer> rest = new HashSet<>(all(c));
    rest.removeAll(isolated);
    c.isolate(isolated);
    boolean split =
        c.net.runUntil(
            () ->
                c.allSee(rest, isolated, MemberState.DEAD)
                    && c.allSee(isolated, rest, MemberState.DEAD)
                    && c.allSee(rest, rest, MemberState.ALIVE)
                    && c.allSee(isolated, isolated, MemberState.ALIVE),
            100,
            30_000);
    assertThat(split).as(c.describe()).isTrue();
    c.net.heal();
    assertThat(c.net.runUntil(c::converged, 100, 30_000)).as(c.describe()).isTrue();
    for (int i : isolated) {
      assertThat(c.node(i).incarnation()).as("n%d refuted its death", i).isPositive();
    }
  }

  @Test
  void aNodeThatLeavesEndsLeftEverywhere() {
    SimCluster c = startedCluster(7);
    assertThat(c.net.runUntil(c::converged, 100, 10_000)).isTrue();
    boolean[] stopped = {false};
    c.node(2).leave(() -> stopped[0] = true);
    assertThat(c.node(2).self().state()).isEqualTo(MemberState.LEFT);
    c.net.runFor(MembershipOptions.defaults().leaveGraceMs());
    assertThat(stopped[0]).isTrue();
    assertThat(c.node(2).isStopped()).isTrue();
    Set<Integer> others = c.upNodes();
    boolean left = c.net.runUntil(() -> c.allSee(others, Set.of(2), MemberState.LEFT), 100, 10_000);
    assertThat(left).as(c.describe()).isTrue();
    // Left, not dead: nobody probes it any more, so nobody suspects it.
    c.net.runFor(30_000);
    assertThat(c.allSee(others, Set.of(2), MemberState.LEFT)).as(c.describe()).isTrue();
  }

  @Test
  void aRestartedNodeWithAHigherStartingIncarnationIsAliveEverywhereAgain() {
    SimCluster c = startedCluster(7);
    assertThat(c.net.runUntil(c::converged, 100, 10_000)).isTrue();
    c.crash(4);
    Set<Integer> others = c.upNodes();
    assertThat(c.net.runUntil(() -> c.allSee(others, Set.of(4), MemberState.DEAD), 100, 30_000))
        .isTrue();
    long wallClockAtStart = c.net.nowMs();
    Membership restarted = c.start(4, wallClockAtStart);
    assertThat(c.net.runUntil(c::converged, 100, 10_000)).as(c.describe()).isTrue();
    assertThat(restarted.incarnation()).as("no refutation was needed").isEqualTo(wallClockAtStart);
    for (int o : others) {
      assertThat(c.node(o).member(SimCluster.id(4)).orElseThrow().incarnation())
          .as("n%d knows the new incarnation", o)
          .isEqualTo(wallClockAtStart);
    }
  }

  @Test
  void aRestartedNodeWhoseClockWentBackRefutesItsOldDeath() {
    SimCluster c = startedCluster(5);
    assertThat(c.net.runUntil(c::converged, 100, 10_000)).isTrue();
    // Make n4's incarnation high, then crash it and restart it at a lower one.
    c.isolate(Set.of(4));
    c.net.runFor(15_000);
    c.net.heal();
    assertThat(c.net.runUntil(c::converged, 100, 30_000)).as(c.describe()).isTrue();
    long before = c.node(4).incarnation();
    assertThat(before).isPositive();
    c.crash(4);
    Set<Integer> others = c.upNodes();
    assertThat(c.net.runUntil(() -> c.allSee(others, Set.of(4), MemberState.DEAD), 100, 30_000))
        .isTrue();
    Membership restarted = c.start(4, 0);
    assertThat(c.net.runUntil(c::converged, 100, 10_000)).as(c.describe()).isTrue();
    assertThat(restarted.incarnation()).isGreaterThan(before);
  }
}
