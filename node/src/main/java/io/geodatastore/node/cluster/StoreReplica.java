package io.geodatastore.node.cluster;

import io.geodatastore.cluster.NodeId;
import io.geodatastore.cluster.replication.LocalReplica;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.storage.LogEntry;
import io.geodatastore.storage.MergeResult;
import io.geodatastore.storage.Store;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replication's view of the node's store: the log, trimming and applied marks go straight to the
 * store (called on the node's logical thread); merges go to the store's shards and their completion
 * is posted back onto the logical thread.
 */
final class StoreReplica implements LocalReplica {

  private static final Logger log = LoggerFactory.getLogger(StoreReplica.class);

  private final Store store;
  private final NodeEnv env;
  private final BiConsumer<LogEntry, MergeResult> onMerged;
  private final Set<ReplicaId> origins = ConcurrentHashMap.newKeySet();

  StoreReplica(Store store, NodeEnv env, BiConsumer<LogEntry, MergeResult> onMerged) {
    this.store = store;
    this.env = env;
    this.onMerged = onMerged;
  }

  @Override
  public ReplicaId replicaId() {
    return store.replicaId();
  }

  @Override
  public long lastSequence() {
    return store.lastSequence();
  }

  @Override
  public List<LogEntry> readLog(long fromSeq, int maxEntries, long maxBytes) {
    return store.readLog(store.replicaId(), fromSeq, maxEntries, maxBytes);
  }

  @Override
  public long firstRetainedSequence() {
    return store.firstRetainedSequence(store.replicaId());
  }

  @Override
  public void trimLog(long throughSeq) {
    store.trimLog(store.replicaId(), throughSeq);
  }

  @Override
  public void merge(List<LogEntry> entries, Consumer<Boolean> done) {
    if (!entries.isEmpty()) {
      origins.add(entries.getFirst().id().replica());
    }
    CompletableFuture<?>[] fs = new CompletableFuture<?>[entries.size()];
    for (int i = 0; i < entries.size(); i++) {
      LogEntry e = entries.get(i);
      CompletableFuture<MergeResult> f;
      try {
        f = store.merge(e);
      } catch (RuntimeException ex) {
        f = CompletableFuture.failedFuture(ex);
      }
      fs[i] = f.thenAccept(r -> onMerged.accept(e, r));
    }
    CompletableFuture.allOf(fs)
        .whenComplete(
            (v, t) -> {
              if (t != null) {
                log.warn("merging {} replicated entries failed: {}", entries.size(), t.toString());
              }
              env.post(() -> done.accept(t == null));
            });
  }

  @Override
  public long applied(ReplicaId origin) {
    long a = store.applied(origin);
    if (a > 0) {
      origins.add(origin);
    }
    return a;
  }

  @Override
  public void recordApplied(ReplicaId origin, long seq) {
    store.recordApplied(origin, seq);
  }

  @Override
  public Map<NodeId, Long> peerAcks() {
    Map<NodeId, Long> out = new TreeMap<>();
    store.peerAcks().forEach((peer, seq) -> out.put(NodeId.of(peer), seq));
    return out;
  }

  @Override
  public void recordPeerAcks(Map<NodeId, Long> acks) {
    Map<String, Long> byName = new TreeMap<>();
    acks.forEach((peer, seq) -> byName.put(peer.value(), seq));
    store.recordPeerAcks(byName);
  }

  @Override
  public VersionVector horizon() {
    return store.horizon();
  }

  @Override
  public void raiseHorizon(VersionVector horizon) {
    store.raiseHorizon(horizon);
  }

  @Override
  public byte[] stabilityState() {
    return store.clusterState();
  }

  @Override
  public void recordStabilityState(byte[] state) {
    store.recordClusterState(state);
  }

  /** Entries of this node's version vector: itself plus every origin it merged from. */
  int vectorClockSize() {
    origins.remove(store.replicaId());
    return 1 + origins.size();
  }
}
