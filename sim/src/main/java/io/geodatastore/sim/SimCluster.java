package io.geodatastore.sim;

import io.geodatastore.cluster.NodeAddress;
import io.geodatastore.cluster.NodeId;
import io.geodatastore.cluster.membership.MembershipOptions;
import io.geodatastore.cluster.repair.AntiEntropyOptions;
import io.geodatastore.cluster.replication.ReplicationOptions;
import io.geodatastore.core.causal.ReplicaId;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code regions × nodesPerRegion} simulated nodes on one {@link SimNet}: node {@code i} is {@code
 * r<i / nodesPerRegion>n<i % nodesPerRegion>} in region {@code r<i / nodesPerRegion>}, and the
 * first node of every region is a seed. Region-pair latencies are drawn from the seed (1 ms within
 * a region, 20 to 120 ms across), and so is each machine's clock skew.
 */
public final class SimCluster {

  private final SimNet net;
  private final List<SimNode> nodes = new ArrayList<>();
  private final int regions;
  private final int nodesPerRegion;

  public SimCluster(
      long seed,
      int regions,
      int nodesPerRegion,
      long clockSkewMaxMs,
      long hlcMaxOffsetMs,
      MembershipOptions membershipOptions,
      ReplicationOptions replicationOptions,
      AntiEntropyOptions antiEntropyOptions) {
    SplittableRandom random = new SplittableRandom(seed);
    this.regions = regions;
    this.nodesPerRegion = nodesPerRegion;
    long[][] latency = new long[regions][regions];
    for (int a = 0; a < regions; a++) {
      latency[a][a] = 1;
      for (int b = a + 1; b < regions; b++) {
        latency[a][b] = 20 + random.nextLong(101);
        latency[b][a] = latency[a][b];
      }
    }
    this.net = new SimNet(random.nextLong(), latency);
    RecordProvenance provenance = new RecordProvenance();
    List<NodeAddress> seeds = new ArrayList<>();
    for (int r = 0; r < regions; r++) {
      seeds.add(address(r * nodesPerRegion));
    }
    for (int i = 0; i < regions * nodesPerRegion; i++) {
      NodeId id = id(i);
      NodeAddress address = address(i);
      if (clockSkewMaxMs > 0) {
        net.skew(address, random.nextLong(-clockSkewMaxMs, clockSkewMaxMs + 1));
      }
      MemoryReplica replica =
          new MemoryReplica(new ReplicaId(id.value()), hlcMaxOffsetMs, 1, provenance);
      nodes.add(
          new SimNode(
              i,
              id,
              i / nodesPerRegion,
              "r" + (i / nodesPerRegion),
              address,
              replica,
              net,
              seeds,
              membershipOptions,
              replicationOptions,
              antiEntropyOptions));
    }
    java.util.Map<NodeId, SimNode> byId = new java.util.HashMap<>();
    nodes.forEach(n -> byId.put(n.id(), n));
    nodes.forEach(n -> n.peerLookup(byId::get));
  }

  private NodeId id(int i) {
    return NodeId.of("r" + (i / nodesPerRegion) + "n" + (i % nodesPerRegion));
  }

  private NodeAddress address(int i) {
    return new NodeAddress("r" + (i / nodesPerRegion) + "n" + (i % nodesPerRegion), 7000 + i);
  }

  /** Starts every node, {@code gapMs} apart. */
  public void startAll(long gapMs) {
    for (SimNode n : nodes) {
      n.start();
      net.runFor(gapMs);
    }
  }

  public SimNet net() {
    return net;
  }

  public List<SimNode> nodes() {
    return List.copyOf(nodes);
  }

  public SimNode node(int i) {
    return nodes.get(i);
  }

  public int size() {
    return nodes.size();
  }

  public int regions() {
    return regions;
  }

  /** The nodes of region {@code r}. */
  public List<SimNode> region(int r) {
    return nodes.subList(r * nodesPerRegion, (r + 1) * nodesPerRegion);
  }

  /** Per node index, how far that origin's log is merged at node {@code at}. */
  public long[] seenAt(int at) {
    MemoryReplica r = nodes.get(at).replica();
    long[] seen = new long[nodes.size()];
    for (int i = 0; i < nodes.size(); i++) {
      seen[i] = r.seen(nodes.get(i).replica().replicaId());
    }
    return seen;
  }

  /** Per node index, exactly which of that origin's entries node {@code at}'s state holds. */
  public java.util.BitSet[] seenEntriesAt(int at) {
    MemoryReplica r = nodes.get(at).replica();
    java.util.BitSet[] out = new java.util.BitSet[nodes.size()];
    for (int i = 0; i < nodes.size(); i++) {
      out[i] = r.seenEntries(nodes.get(i).replica().replicaId());
    }
    return out;
  }

  /** Every replica has merged every entry of every origin. */
  public boolean replicated() {
    for (SimNode origin : nodes) {
      long last = origin.replica().lastSequence();
      for (SimNode n : nodes) {
        if (n.replica().applied(origin.replica().replicaId()) < last && n != origin) {
          return false;
        }
      }
    }
    return true;
  }
}
