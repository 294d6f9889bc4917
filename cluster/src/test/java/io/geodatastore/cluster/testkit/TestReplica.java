package io.geodatastore.cluster.testkit;

import io.geodatastore.cluster.NodeId;
import io.geodatastore.cluster.replication.LocalReplica;
import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.storage.Epoch;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.KeyedRecord;
import io.geodatastore.storage.LogEntry;
import io.geodatastore.storage.MemoryMerkleTree;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * A {@link LocalReplica} in memory for the cluster's tests: its log, watermarks, persisted
 * progress, full records with their anti-entropy tree, and quarantined keys, all in plain fields a
 * test reads and sets. Everything completes synchronously; a test that needs otherwise (merges that
 * wait, replicas that keep only dots) overrides what it needs.
 */
public class TestReplica implements LocalReplica {

  public final ReplicaId id;
  public final TreeMap<Long, LogEntry> log = new TreeMap<>();
  public final Map<ReplicaId, Long> applied = new TreeMap<>();

  /** Every entry {@link #merge} was given, in order. */
  public final List<LogEntry> merged = new ArrayList<>();

  public final Map<KeyRef, KeyRecord> records =
      new TreeMap<>(Comparator.comparing(KeyRef::toString));
  public final Set<KeyRef> quarantined = new TreeSet<>(Comparator.comparing(KeyRef::toString));

  /** The tree over {@link #records}: kept current by {@link #put}. */
  public final MemoryMerkleTree tree = new MemoryMerkleTree();

  public Map<NodeId, Long> peerAcks = Map.of();
  public VersionVector covered = VersionVector.EMPTY;
  public VersionVector horizon = VersionVector.EMPTY;
  public byte[] stabilityState;
  public long last;

  /** The {@code maxBytes} of the last {@link #readLog}. */
  public long lastMaxBytes;

  public TestReplica(String id) {
    this.id = new ReplicaId(id);
  }

  /** A logged increment of a PN-counter {@code k<seq>}, as {@code origin}'s entry {@code seq}. */
  public static LogEntry entry(ReplicaId origin, long seq) {
    return new LogEntry(
        new Dot(origin, seq),
        KeyRef.of(Family.COUNTERS, "k" + seq),
        CrdtType.PN_COUNTER,
        Epoch.ZERO,
        true,
        CrdtType.PN_COUNTER.empty(),
        null,
        new HlcTimestamp(1, 0));
  }

  /** Appends {@code n} entries of this replica's own to its log. */
  public void append(int n) {
    for (int i = 0; i < n; i++) {
      last++;
      log.put(last, entry(id, last));
    }
  }

  /** Stores a record and updates the tree. */
  public void put(KeyRef key, KeyRecord record) {
    records.put(key, record);
    quarantined.remove(key);
    tree.put(key, record);
  }

  // ---- the log and watermarks ----

  @Override
  public ReplicaId replicaId() {
    return id;
  }

  @Override
  public long lastSequence() {
    return last;
  }

  @Override
  public List<LogEntry> readLog(long fromSeq, int maxEntries, long maxBytes) {
    lastMaxBytes = maxBytes;
    return log.tailMap(fromSeq, true).values().stream().limit(maxEntries).toList();
  }

  @Override
  public long firstRetainedSequence() {
    return log.isEmpty() ? last + 1 : log.firstKey();
  }

  @Override
  public void trimLog(long throughSeq) {
    log.headMap(throughSeq, true).clear();
  }

  @Override
  public void merge(List<LogEntry> entries, Consumer<Boolean> done) {
    merged.addAll(entries);
    done.accept(true);
  }

  @Override
  public long applied(ReplicaId origin) {
    return applied.getOrDefault(origin, 0L);
  }

  @Override
  public void recordApplied(ReplicaId origin, long seq) {
    applied.put(origin, seq);
  }

  @Override
  public Map<NodeId, Long> peerAcks() {
    return peerAcks;
  }

  @Override
  public void recordPeerAcks(Map<NodeId, Long> acks) {
    peerAcks = Map.copyOf(acks);
  }

  @Override
  public VersionVector appliedVector() {
    return VersionVector.of(applied).with(id, last);
  }

  @Override
  public VersionVector coverage() {
    return appliedVector().merge(covered);
  }

  // ---- full records ----

  @Override
  public void readRecords(List<KeyRef> keys, Consumer<RecordRead> done) {
    List<KeyedRecord> found = new ArrayList<>();
    List<KeyRef> absent = new ArrayList<>();
    List<KeyRef> unreadable = new ArrayList<>();
    for (KeyRef k : keys) {
      KeyRecord rec = records.get(k);
      if (quarantined.contains(k)) {
        unreadable.add(k);
      } else if (rec == null) {
        absent.add(k);
      } else {
        found.add(new KeyedRecord(k, rec));
      }
    }
    done.accept(new RecordRead(found, absent, unreadable));
  }

  @Override
  public void mergeRecords(List<KeyedRecord> incoming, VersionVector covers, IntConsumer done) {
    covered = covered.merge(covers);
    int changed = 0;
    for (KeyedRecord kr : incoming) {
      KeyRecord before = quarantined.contains(kr.key()) ? null : records.get(kr.key());
      KeyRecord after = KeyRecord.merge(before, kr.record()).record();
      if (after != before) {
        put(kr.key(), after);
        changed++;
      }
    }
    done.accept(changed);
  }

  @Override
  public long[] merkleBranches() {
    return tree.branches();
  }

  @Override
  public long[] merkleLeaves(int branch) {
    return tree.leaves(branch);
  }

  @Override
  public void merkleKeys(List<Integer> leaves, int keysMax, Consumer<LeafKeys> done) {
    done.accept(LocalReplica.readLeaves(leaves, keysMax, tree::keys));
  }

  @Override
  public List<KeyRef> quarantined() {
    return List.copyOf(quarantined);
  }

  // ---- causal stability ----

  @Override
  public VersionVector horizon() {
    return horizon;
  }

  @Override
  public void raiseHorizon(VersionVector h) {
    horizon = horizon.merge(h);
  }

  @Override
  public byte[] stabilityState() {
    return stabilityState;
  }

  @Override
  public void recordStabilityState(byte[] state) {
    stabilityState = state.clone();
  }
}
