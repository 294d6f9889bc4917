package io.geodatastore.sim;

import io.geodatastore.cluster.AntiEntropyMessage;
import io.geodatastore.cluster.ClusterMessage;
import io.geodatastore.cluster.Env;
import io.geodatastore.cluster.MemberInfo;
import io.geodatastore.cluster.MemberState;
import io.geodatastore.cluster.MembershipMessage;
import io.geodatastore.cluster.NodeAddress;
import io.geodatastore.cluster.NodeId;
import io.geodatastore.cluster.RecordMessage;
import io.geodatastore.cluster.ReplicationMessage;
import io.geodatastore.cluster.coordination.ReadCoordinator;
import io.geodatastore.cluster.coordination.ReadLevel;
import io.geodatastore.cluster.membership.Membership;
import io.geodatastore.cluster.membership.MembershipListener;
import io.geodatastore.cluster.membership.MembershipOptions;
import io.geodatastore.cluster.repair.AntiEntropy;
import io.geodatastore.cluster.repair.AntiEntropyOptions;
import io.geodatastore.cluster.repair.CausalGate;
import io.geodatastore.cluster.repair.ExchangeReport;
import io.geodatastore.cluster.repair.RecordExchange;
import io.geodatastore.cluster.replication.Replication;
import io.geodatastore.cluster.replication.ReplicationOptions;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.KeyedRecord;
import io.geodatastore.storage.RecordCodec;
import io.geodatastore.storage.WriteResult;
import java.util.ArrayList;
import java.util.List;

/**
 * One simulated node: a {@link MemoryReplica} (its disk) with a {@link Membership}, a {@link
 * Replication}, a {@link RecordExchange} and {@link AntiEntropy} running on an Env of the {@link
 * SimNet}, wired as a real node wires them, and the dispatch of inbound messages by type. A crash
 * drops the protocol objects and keeps the replica; a restart builds new ones on the same replica,
 * with the starting incarnation taken from the node's (skewed) wall clock, as a real node does.
 */
public final class SimNode {

  /** As the node's: the most bytes of records in one answer to a fetch. */
  static final long RECORD_REPLY_BYTES_MAX = 4L << 20;

  static final int RECORD_REQUESTS_PENDING_MAX = 4096;

  /** As the node's: record sets waiting for their causal past at most. */
  static final int CAUSAL_WAITERS_MAX = 1024;

  private final int index;
  private final NodeId id;
  private final int region;
  private final String regionName;
  private final NodeAddress address;
  private final MemoryReplica replica;
  private final SimNet net;
  private final List<NodeAddress> seeds;
  private final MembershipOptions membershipOptions;
  private final ReplicationOptions replicationOptions;
  private final AntiEntropyOptions antiEntropyOptions;
  private final List<ExchangeReport> exchanges = new ArrayList<>();
  private java.util.function.Function<NodeId, SimNode> peerLookup = id -> null;
  private Membership membership;
  private Replication replication;
  private RecordExchange records;
  private CausalGate gate;
  private AntiEntropy antiEntropy;
  private ReadCoordinator reads;
  private final long[] readRepairs = new long[ReadLevel.values().length];
  private boolean up;
  private long catchUpsBeforeRestarts;
  private long heldBeforeRestarts;
  private int starts;
  private long gcIntervalMs;

  SimNode(
      int index,
      NodeId id,
      int region,
      String regionName,
      NodeAddress address,
      MemoryReplica replica,
      SimNet net,
      List<NodeAddress> seeds,
      MembershipOptions membershipOptions,
      ReplicationOptions replicationOptions,
      AntiEntropyOptions antiEntropyOptions) {
    this.index = index;
    this.id = id;
    this.region = region;
    this.regionName = regionName;
    this.address = address;
    this.replica = replica;
    this.net = net;
    this.seeds = seeds;
    this.membershipOptions = membershipOptions;
    this.replicationOptions = replicationOptions;
    this.antiEntropyOptions = antiEntropyOptions;
  }

  /** Starts the node process (again, after a crash). */
  public void start() {
    if (up) {
      throw new IllegalStateException(id + " is already up");
    }
    Env env = net.attach(address, region, this::dispatch);
    replica.attach(env);
    Replication r = new Replication(env, id, regionName, replica, replicationOptions);
    CausalGate g =
        new CausalGate(env, replica, antiEntropyOptions.causalWaitMs(), CAUSAL_WAITERS_MAX);
    r.onApplied(g::appliedAdvanced);
    RecordExchange x =
        new RecordExchange(
            env,
            id,
            address,
            replica,
            RECORD_REPLY_BYTES_MAX,
            RECORD_REQUESTS_PENDING_MAX,
            SimNode::recordBytes,
            g);
    AntiEntropy ae =
        new AntiEntropy(
            env,
            id,
            regionName,
            address,
            replica,
            r,
            x,
            g,
            antiEntropyOptions,
            SimNode::recordBytes);
    ae.onExchangeFinished(exchanges::add);
    // For the model: what the exchange shipped, taken from the peer's actual state.
    ae.onExchangeCompleted(
        (peer, complete) -> {
          SimNode p = peerLookup.apply(peer);
          if (p != null) {
            replica.importSeen(p.replica, complete);
          }
        });
    r.onCatchUpNeeded(ae::catchUp);
    Membership m =
        new Membership(
            env,
            id,
            regionName,
            address,
            env.wallClockMs(),
            seeds,
            membershipOptions,
            new MemberFeed(r, ae));
    replication = r;
    membership = m;
    gate = g;
    records = x;
    antiEntropy = ae;
    reads =
        new ReadCoordinator(
            env, id, replica, r, records, (level, n) -> readRepairs[level.ordinal()] += n);
    up = true;
    starts++;
    r.start();
    m.start();
    ae.start();
    if (gcIntervalMs > 0) {
      scheduleGc(env);
    }
  }

  /** How this node finds another by id (for the model's record of what anti-entropy shipped). */
  void peerLookup(java.util.function.Function<NodeId, SimNode> lookup) {
    this.peerLookup = lookup;
  }

  /** From the next start on, the node collects under its horizon every {@code ms} (0: never). */
  public void collectEvery(long ms) {
    this.gcIntervalMs = ms;
  }

  private void scheduleGc(Env env) {
    env.schedule(
        gcIntervalMs,
        () -> {
          replica.gc();
          scheduleGc(env); // a crashed process's timers never fire again
        });
  }

  /** As the node's: a record's encoding and its key's name. */
  static long recordBytes(KeyedRecord kr) {
    return RecordCodec.encode(kr.record()).length + (long) kr.key().nameBytes().length;
  }

  /** Crashes the node process: its protocol state is gone, its replica (disk) stays. */
  public void crash() {
    if (!up) {
      throw new IllegalStateException(id + " is already down");
    }
    net.crash(address);
    catchUpsBeforeRestarts += replication.catchUpsNeeded();
    heldBeforeRestarts += replication.entriesHeldForDeps();
    reads.stop(); // its clients hear "unavailable": the process that was serving them is gone
    membership.stop();
    replication.stop();
    antiEntropy.stop();
    records.stop();
    gate.stop();
    up = false;
  }

  private void dispatch(ClusterMessage msg) {
    switch (msg) {
      case MembershipMessage m -> membership.receive(m);
      case ReplicationMessage r -> replication.onMessage(r);
      case RecordMessage r -> {
        if (r instanceof RecordMessage.FetchRecords || r instanceof RecordMessage.PushRecords) {
          antiEntropy.peerActive(r.from()); // a peer's exchange with this node
        }
        records.onMessage(r);
      }
      case AntiEntropyMessage a -> antiEntropy.onMessage(a);
    }
  }

  /** A client write at this node; the new entry, if any, goes out with the next batch. */
  public WriteResult write(KeyRef key, Operation op) {
    return announce(replica.write(key, op));
  }

  /** A client delete at this node. */
  public WriteResult delete(KeyRef key) {
    return announce(replica.delete(key));
  }

  private WriteResult announce(WriteResult r) {
    if (r instanceof WriteResult.Written w && w.logId() != null) {
      replication.localWritten();
    }
    return r;
  }

  public int index() {
    return index;
  }

  public NodeId id() {
    return id;
  }

  public int region() {
    return region;
  }

  public NodeAddress address() {
    return address;
  }

  public MemoryReplica replica() {
    return replica;
  }

  public boolean isUp() {
    return up;
  }

  /** The running membership (the last one, when down). */
  public Membership membership() {
    return membership;
  }

  /** Fetching and pushing full records (valid while the node is up). */
  public RecordExchange records() {
    return records;
  }

  /** Reads beyond eventual (valid while the node is up). */
  public ReadCoordinator reads() {
    return reads;
  }

  /** Replicas that reads at {@code level} repaired through this node, over all starts. */
  public long readRepairs(ReadLevel level) {
    return readRepairs[level.ordinal()];
  }

  /** The running replication (the last one, when down). */
  public Replication replication() {
    return replication;
  }

  /** The running anti-entropy (the last one, when down). */
  public AntiEntropy antiEntropy() {
    return antiEntropy;
  }

  /** Every anti-entropy exchange this node ran and finished, over all starts. */
  public List<ExchangeReport> exchanges() {
    return List.copyOf(exchanges);
  }

  /** How many times this node's streams marked a peer or itself for catch-up, over all starts. */
  public long catchUpsNeeded() {
    return catchUpsBeforeRestarts + (up ? replication.catchUpsNeeded() : 0);
  }

  /** Entries this node's streams held for their dependencies, over all starts. */
  public long entriesHeldForDeps() {
    return heldBeforeRestarts + (up ? replication.entriesHeldForDeps() : 0);
  }

  public int starts() {
    return starts;
  }

  /**
   * Tells replication and anti-entropy what membership learns. A member purged after it was dead
   * stays a stopped stream (it may come back, and must then resume from its watermark); only a
   * member that left, or that an operator removed (then forgotten by causal stability too), is
   * dropped from the streams and the write-level counts.
   */
  private static final class MemberFeed implements MembershipListener {
    private final Replication replication;
    private final AntiEntropy antiEntropy;

    MemberFeed(Replication replication, AntiEntropy antiEntropy) {
      this.replication = replication;
      this.antiEntropy = antiEntropy;
    }

    @Override
    public void onJoined(MemberInfo m) {
      tell(m);
    }

    @Override
    public void onStateChanged(MemberInfo before, MemberInfo after) {
      tell(after);
    }

    @Override
    public void onRemoved(MemberInfo m) {
      if (m.state() == MemberState.LEFT || m.state() == MemberState.REMOVED) {
        tell(m);
      }
    }

    private void tell(MemberInfo m) {
      replication.memberChanged(m.nodeId(), m.region(), m.address(), m.state());
      antiEntropy.memberChanged(m.nodeId(), m.region(), m.address(), m.state());
    }
  }
}
