package io.geodatastore.node.cluster;

import com.google.protobuf.ByteString;
import io.geodatastore.cluster.NodeId;
import io.geodatastore.cluster.replication.LocalReplica;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.storage.CorruptRecordException;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.KeyedRecord;
import io.geodatastore.storage.LogEntry;
import io.geodatastore.storage.MergeResult;
import io.geodatastore.storage.QuarantinedKey;
import io.geodatastore.storage.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replication's view of the node's store: the log is read straight from the store (on the node's
 * logical thread); trims, applied marks and peers' acknowledgements are written in order on a marks
 * thread of their own; merges go to the store's shards and their completion is posted back onto the
 * logical thread; reads of full records and of the anti-entropy tree's key pages run on a reader
 * thread of their own, so that a large anti-entropy fetch never holds the logical thread. The
 * tree's branch and leaf sums are read directly: the store keeps them in memory.
 */
final class StoreReplica implements LocalReplica, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(StoreReplica.class);

  private final Store store;
  private final NodeEnv env;
  private final MergeListener onMerged;
  private final Set<ReplicaId> origins = ConcurrentHashMap.newKeySet();

  /**
   * The applied watermarks read or written so far, so that {@link #appliedVector} (asked by every
   * session read, from any thread) reads no store.
   */
  private final Map<ReplicaId, Long> appliedMarks = new ConcurrentHashMap<>();

  /**
   * The first retained sequence of this replica's log, 0 until looked up: it moves only when the
   * log is trimmed (entries are appended after it), and then before the trim's deletions are
   * written. Asked for every batch sent, and a look-up is a RocksDB iterator over the log's start:
   * it cost the replication thread more than the rest of sending. Logical thread only.
   */
  private long firstRetained;

  /** The entries read last for the delta streams, and their bytes. Logical thread only. */
  private final SentLogCache sent = new SentLogCache();

  private final ExecutorService reader =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "geods-record-reader");
            t.setDaemon(true);
            return t;
          });

  /** The stability state last recorded, while its write may still be queued. */
  private volatile byte[] stabilityState;

  /**
   * Writes applied marks, peers' acknowledgements, log trims and the stability state, in the order
   * they were recorded, off the logical thread: a RocksDB write, even an unsynced one, queues
   * behind the write group that is syncing the write-ahead log, and the logical thread must not
   * wait for a disk flush.
   */
  private final ExecutorService marks =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "geods-replica-marks");
            t.setDaemon(true);
            return t;
          });

  StoreReplica(Store store, NodeEnv env, MergeListener onMerged) {
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
    // From the first retained entry at the lowest: a trim's deletions may still be queued, and the
    // cache may hold trimmed entries.
    return sent.read(
        Math.max(fromSeq, firstRetainedSequence()),
        maxEntries,
        maxBytes,
        store.lastSequence(),
        (from, max, bytes) -> store.readLogStored(store.replicaId(), from, max, bytes));
  }

  /**
   * The bytes of one of this replica's log entries, as stored when {@link #readLog} returned it
   * (each entry of a batch is then encoded once, whatever the number of peers). Logical thread
   * only.
   */
  ByteString entryBytes(LogEntry e) {
    return sent.bytes(e);
  }

  @Override
  public long firstRetainedSequence() {
    long first = firstRetained;
    if (first == 0) {
      // The contract is "last + 1" for an empty log: everything up to the last durable sequence
      // was trimmed. (Answering 0 stalled a stream to a peer that was behind a fully trimmed log:
      // it never heard to skip, so it never acknowledged, until the next write.) The last
      // sequence is read before the log: every entry up to it was in the log when it was looked
      // at, and the entries after it are appended in order and not trimmed yet.
      long last = store.lastSequence();
      long found = store.firstRetainedSequence(store.replicaId());
      first = found == 0 ? last + 1 : found;
      firstRetained = first;
    }
    return first;
  }

  @Override
  public void trimLog(long throughSeq) {
    // The first retained entry moves now, so no read of the log looks below it (the log only grows
    // at its end, so it is the next one); the deletions follow on the marks thread, after the
    // acknowledgements that allow them.
    firstRetained = Math.max(firstRetainedSequence(), throughSeq + 1);
    persist(() -> store.trimLog(store.replicaId(), throughSeq), "the log's trim to " + throughSeq);
  }

  @Override
  public void merge(List<LogEntry> entries, Consumer<Boolean> done) {
    if (!entries.isEmpty()) {
      ReplicaId origin = entries.getFirst().id().replica();
      origins.add(origin);
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
      fs[i] =
          f.thenAccept(
              r -> {
                onMerged.merged(e.key(), e.type(), r);
                onMerged.replicated(e.writtenAt());
              });
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
    Long known = appliedMarks.get(origin);
    if (known != null) {
      return known;
    }
    long a = store.applied(origin);
    if (a > 0) {
      origins.add(origin);
    }
    appliedMarks.merge(origin, a, Math::max);
    return a;
  }

  @Override
  public void recordApplied(ReplicaId origin, long seq) {
    appliedMarks.put(origin, seq);
    origins.add(origin);
    persist(() -> store.recordApplied(origin, seq), "the applied mark of " + origin);
  }

  /** Runs a mark's write on the marks thread, in order with the others. */
  private void persist(Runnable write, String what) {
    try {
      marks.execute(
          () -> {
            try {
              write.run();
            } catch (RuntimeException e) {
              log.warn("write of {} failed: {}", what, e.getMessage());
            }
          });
    } catch (RejectedExecutionException e) {
      log.debug("write of {} refused: the node is stopping", what);
    }
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
    persist(() -> store.recordPeerAcks(byName), "the peers' acknowledgements");
  }

  @Override
  public VersionVector appliedVector() {
    VersionVector v = VersionVector.of(store.replicaId(), store.lastSequence());
    for (ReplicaId o : origins) {
      if (!o.equals(store.replicaId())) {
        v = v.with(o, applied(o));
      }
    }
    return v;
  }

  /**
   * The store's visible vector (raised before every merge reaches a shard and by the coverage of
   * merged records, persisted across restarts; its own origin at the last allocated sequence), with
   * the applied watermarks (a skip moves one past entries never merged).
   */
  @Override
  public VersionVector coverage() {
    return store.visible().merge(appliedVector());
  }

  @Override
  public void readRecords(List<KeyRef> keys, Consumer<RecordRead> done) {
    List<KeyRef> asked = List.copyOf(keys);
    try {
      reader.execute(() -> env.post(() -> done.accept(read(asked))));
    } catch (RejectedExecutionException e) {
      log.debug("record read refused: the node is stopping");
    }
  }

  private RecordRead read(List<KeyRef> keys) {
    List<KeyedRecord> found = new ArrayList<>();
    List<KeyRef> absent = new ArrayList<>();
    List<KeyRef> unreadable = new ArrayList<>();
    for (KeyRef k : keys) {
      try {
        KeyRecord r = store.readRecord(k);
        if (r == null) {
          absent.add(k);
        } else {
          found.add(new KeyedRecord(k, r));
        }
      } catch (CorruptRecordException e) {
        unreadable.add(k);
      }
    }
    return new RecordRead(found, absent, unreadable);
  }

  @Override
  public void mergeRecords(List<KeyedRecord> records, VersionVector covers, IntConsumer done) {
    covers.forEach(
        (origin, seq) -> {
          if (!origin.equals(store.replicaId())) {
            origins.add(origin);
          }
        });
    // Before the merges: every later write here depends on what the records may show.
    store.noteVisible(covers);
    List<CompletableFuture<MergeResult>> fs = new ArrayList<>(records.size());
    for (KeyedRecord r : records) {
      try {
        fs.add(
            store
                .mergeRecord(r.key(), r.record())
                .thenApply(
                    m -> {
                      onMerged.merged(r.key(), r.record().type(), m);
                      return m;
                    }));
      } catch (RuntimeException ex) {
        fs.add(CompletableFuture.failedFuture(ex));
      }
    }
    CompletableFuture.allOf(fs.toArray(CompletableFuture<?>[]::new))
        .whenComplete(
            (v, t) -> {
              if (t != null) {
                log.warn("merging {} full records failed: {}", records.size(), t.toString());
                env.post(() -> done.accept(-1));
                return;
              }
              int changed = 0;
              for (CompletableFuture<MergeResult> f : fs) {
                if (f.join().changed()) {
                  changed++;
                }
              }
              int n = changed;
              env.post(() -> done.accept(n));
            });
  }

  @Override
  public long[] merkleBranches() {
    return store.merkleBranches();
  }

  @Override
  public long[] merkleLeaves(int branch) {
    return store.merkleLeaves(branch);
  }

  @Override
  public void merkleKeys(List<Integer> leaves, int keysMax, Consumer<LeafKeys> done) {
    List<Integer> asked = List.copyOf(leaves);
    try {
      reader.execute(
          () -> {
            LeafKeys page;
            try {
              page = LocalReplica.readLeaves(asked, keysMax, store::merkleKeys);
            } catch (RuntimeException e) {
              // The store is closing, or failed: the asker's request times out.
              log.warn(
                  "reading {} leaves of the anti-entropy tree failed: {}",
                  asked.size(),
                  e.toString());
              return;
            }
            env.post(() -> done.accept(page));
          });
    } catch (RejectedExecutionException e) {
      log.debug("tree read refused: the node is stopping");
    }
  }

  @Override
  public List<KeyRef> quarantined() {
    List<KeyRef> out = new ArrayList<>();
    for (QuarantinedKey q : store.quarantined()) {
      out.add(q.key());
    }
    return out;
  }

  /** Stops the reader thread; reads still queued are dropped (their callers time out). */
  @Override
  public void close() {
    reader.shutdownNow();
    marks.shutdown(); // the marks recorded so far are still written, before the store closes
    try {
      if (!marks.awaitTermination(5, TimeUnit.SECONDS)) {
        log.warn("applied marks still unwritten after 5 s; replication resends what they covered");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
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
    byte[] recorded = stabilityState;
    return recorded != null ? recorded.clone() : store.clusterState();
  }

  @Override
  public void recordStabilityState(byte[] state) {
    // Through the marks thread too: written before every applied mark recorded after it.
    byte[] copy = state.clone();
    stabilityState = copy;
    persist(() -> store.recordClusterState(copy), "the stability state");
  }

  /** Entries of this node's version vector: itself plus every origin it merged from. */
  int vectorClockSize() {
    origins.remove(store.replicaId());
    return 1 + origins.size();
  }
}
