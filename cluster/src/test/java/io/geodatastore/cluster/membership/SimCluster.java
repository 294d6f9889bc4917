package io.geodatastore.cluster.membership;

import io.geodatastore.cluster.MemberInfo;
import io.geodatastore.cluster.MemberState;
import io.geodatastore.cluster.MembershipMessage;
import io.geodatastore.cluster.NodeAddress;
import io.geodatastore.cluster.NodeId;
import io.geodatastore.cluster.testkit.SimNetwork;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Nodes {@code n0 … n(N-1)} in regions {@code r0, r1, r2} (node i in region i % 3), each running a
 * {@link Membership} on one {@link SimNetwork}.
 */
final class SimCluster {

  static final String[] REGIONS = {"r0", "r1", "r2"};

  final SimNetwork net;
  final MembershipOptions options;
  final List<NodeAddress> seeds;
  private final Membership[] nodes;

  SimCluster(long seed, int size, List<Integer> seedIndexes, MembershipOptions options) {
    this.net = new SimNetwork(seed);
    this.options = options;
    this.nodes = new Membership[size];
    this.seeds = seedIndexes.stream().map(SimCluster::address).toList();
  }

  static NodeId id(int i) {
    return NodeId.of("n" + i);
  }

  static NodeAddress address(int i) {
    return new NodeAddress("n" + i, 9000 + i);
  }

  static String region(int i) {
    return REGIONS[i % REGIONS.length];
  }

  int size() {
    return nodes.length;
  }

  Membership node(int i) {
    return nodes[i];
  }

  /** Starts (or restarts) node i with the given starting incarnation. */
  Membership start(int i, long startingIncarnation) {
    Membership[] holder = new Membership[1];
    var env = net.attach(address(i), region(i), msg -> holder[0].receive((MembershipMessage) msg));
    holder[0] =
        new Membership(
            env,
            id(i),
            region(i),
            address(i),
            startingIncarnation,
            seeds,
            options,
            MembershipListener.NONE);
    nodes[i] = holder[0];
    holder[0].start();
    return holder[0];
  }

  /** Starts every node with incarnation 0, staggered by {@code gapMs}. */
  void startAll(long gapMs) {
    for (int i = 0; i < nodes.length; i++) {
      start(i, 0);
      net.runFor(gapMs);
    }
  }

  void crash(int i) {
    net.crash(address(i));
    nodes[i].stop();
  }

  boolean isUp(int i) {
    return net.isUp(address(i)) && !nodes[i].isStopped();
  }

  Set<Integer> upNodes() {
    Set<Integer> up = new HashSet<>();
    for (int i = 0; i < nodes.length; i++) {
      if (nodes[i] != null && isUp(i)) {
        up.add(i);
      }
    }
    return up;
  }

  Optional<MemberState> stateAt(int observer, int member) {
    return nodes[observer].member(id(member)).map(MemberInfo::state);
  }

  /**
   * Whether every node in {@code observers} sees every node in {@code members} in {@code state}.
   */
  boolean allSee(Set<Integer> observers, Set<Integer> members, MemberState state) {
    for (int o : observers) {
      for (int m : members) {
        if (stateAt(o, m).orElse(null) != state) {
          return false;
        }
      }
    }
    return true;
  }

  /** Every up node sees every up node alive. */
  boolean converged() {
    Set<Integer> up = upNodes();
    return allSee(up, up, MemberState.ALIVE);
  }

  Set<Integer> regionMembers(int regionIndex) {
    Set<Integer> out = new HashSet<>();
    for (int i = regionIndex; i < nodes.length; i += REGIONS.length) {
      out.add(i);
    }
    return out;
  }

  void isolate(Set<Integer> members) {
    net.isolate(members.stream().map(SimCluster::address).collect(Collectors.toSet()));
  }

  /** Every node's view, one line each: for failure messages. */
  String describe() {
    List<String> lines = new ArrayList<>();
    lines.add("t=" + net.nowMs() + "ms");
    for (int i = 0; i < nodes.length; i++) {
      if (nodes[i] == null) {
        continue;
      }
      StringBuilder b = new StringBuilder();
      b.append(id(i)).append(isUp(i) ? " up   " : " DOWN ").append(nodes[i].incarnation());
      b.append(":");
      for (MemberInfo m : nodes[i].view()) {
        b.append(' ').append(m.nodeId()).append('=').append(m.state().label());
        b.append('@').append(m.incarnation());
      }
      lines.add(b.toString());
    }
    return String.join("\n", lines);
  }
}
