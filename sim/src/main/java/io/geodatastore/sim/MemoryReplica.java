package io.geodatastore.sim;

import io.geodatastore.cluster.Env;
import io.geodatastore.cluster.NodeId;
import io.geodatastore.cluster.replication.LocalReplica;
import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.Hlc;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.DependencyTracker;
import io.geodatastore.storage.KeyOps;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.KeyedRecord;
import io.geodatastore.storage.LogEntry;
import io.geodatastore.storage.LogEntryCodec;
import io.geodatastore.storage.MemoryMerkleTree;
import io.geodatastore.storage.ReadResult;
import io.geodatastore.storage.WriteResult;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * An in-memory replica <b>for the simulator only</b>: never a store for a real node (it keeps
 * nothing on disk and takes no locks). It holds what a node's RocksDB store holds for replication:
 * the records by key, its own replication log (sequence to entry), the applied watermark per
 * origin, the peers' acknowledgements the last trim relied on, the last sequence number and the
 * hybrid logical clock. Writes, deletes and merges go through {@link KeyOps} exactly as the RocksDB
 * shard does it: plan, allocate a sequence number only when the plan logs, commit, store record and
 * entry together.
 *
 * <p><b>Durability.</b> This object is the simulated node's disk: everything in it survives a
 * simulated crash, which only discards the node's protocol objects (membership, replication). A
 * merge becomes durable {@code mergeDelayMs} after it is asked for, all at once with its completion
 * callback; a crash before that loses it (the callback never runs, exactly as a lost write batch),
 * so the watermark never runs ahead of the records.
 *
 * <p><b>Dependencies.</b> As the RocksDB store does, the replica keeps a {@link DependencyTracker}:
 * an entry handed to {@link #merge} is visible from that call on, and every logged write carries
 * what became visible since the previous one. What the previous entries carried is process state: a
 * restart ({@link #attach}) forgets it, so the first entry after it carries the whole vector.
 *
 * <p>Besides the watermark that replication persists, the replica keeps what it actually merged per
 * origin ({@link #merged}): the two differ only when replication skipped a trimmed range ({@code
 * skipTo}), which {@link #skipped} reports.
 *
 * <p>It keeps the causal-stability horizon and replication's stability state as the RocksDB store
 * does, merges under the horizon, and collects ({@link #gc}) exactly as {@code RocksStore.gc}:
 * {@link KeyRecord#normalize} of every record.
 *
 * <p>The anti-entropy tree ({@link MemoryMerkleTree}) is kept current with every record it stores,
 * as the RocksDB store keeps its own in the write's batch.
 *
 * <p>For the simulator's model it also knows, per key, which client operations its record reflects
 * ({@link #knownOps}): its own writes, the entries it merged, and whatever the full records it
 * merged reflected where they were read ({@link RecordProvenance}); the entries a full record
 * brings count as seen ({@link #seenEntries}), since full records may carry effects the delta
 * streams have not.
 */
public final class MemoryReplica implements LocalReplica {

  private static final Comparator<KeyRef> KEY_ORDER =
      Comparator.comparing(KeyRef::family).thenComparing(KeyRef::name);

  private final ReplicaId id;
  private final long hlcMaxOffsetMs;
  private final long mergeDelayMs;
  private final TreeMap<KeyRef, KeyRecord> records = new TreeMap<>(KEY_ORDER);
  private final MemoryMerkleTree tree = new MemoryMerkleTree();
  private final Map<KeyRef, Set<Dot>> knownOps = new TreeMap<>(KEY_ORDER);
  private final RecordProvenance provenance;
  private final TreeMap<Long, LogEntry> log = new TreeMap<>();
  private final Map<Long, Long> entryBytes = new TreeMap<>();
  private final Map<ReplicaId, Long> applied = new TreeMap<>();
  private final Map<ReplicaId, Long> merged = new TreeMap<>();
  private final List<String> skipped = new ArrayList<>();
  private final Map<NodeId, Long> peerAcks = new TreeMap<>();
  private final DependencyTracker dependencies;
  private Runnable mergeObserver = () -> {};
  private final Map<ReplicaId, java.util.BitSet> seen = new TreeMap<>();
  private VersionVector horizon = VersionVector.EMPTY;
  private byte[] stabilityState;
  private long tombstonesDropped;
  private long epochsForgotten;
  private long bytesReclaimed;
  private long lastSequence;
  private long trimmedThrough;
  private Hlc hlc;
  private Env env;
  private long hlcClamps;

  private final KeyOps.Clock clock =
      new KeyOps.Clock() {
        @Override
        public void receive(HlcTimestamp seen) {
          Hlc.Receipt r = hlc.receive(seen, env.wallClockMs());
          hlc = r.clock();
          if (r.clamped()) {
            hlcClamps++;
          }
        }

        @Override
        public HlcTimestamp tick() {
          hlc = hlc.tick(env.wallClockMs());
          return hlc.timestamp();
        }
      };

  public MemoryReplica(ReplicaId id, long hlcMaxOffsetMs, long mergeDelayMs) {
    this(id, hlcMaxOffsetMs, mergeDelayMs, new RecordProvenance());
  }

  /**
   * @param provenance shared by every replica of one simulation: what each full record read for a
   *     peer reflected
   */
  public MemoryReplica(
      ReplicaId id, long hlcMaxOffsetMs, long mergeDelayMs, RecordProvenance provenance) {
    this.provenance = provenance;
    this.id = id;
    this.hlcMaxOffsetMs = hlcMaxOffsetMs;
    this.mergeDelayMs = mergeDelayMs;
    this.hlc = Hlc.create(hlcMaxOffsetMs);
    this.dependencies = new DependencyTracker(id, VersionVector.EMPTY);
  }

  /** Binds the replica to the Env of the node process that runs now (again after a restart). */
  public void attach(Env processEnv) {
    this.env = processEnv;
    // The HLC high-water mark is persisted, as the RocksDB store keeps it in its meta column.
    this.hlc = Hlc.resume(hlcMaxOffsetMs, hlc.timestamp());
    dependencies.forgetCarried();
  }

  // ---- client operations ----

  /** A client write, as the RocksDB shard applies it. */
  public WriteResult write(KeyRef key, Operation op) {
    return commit(key, KeyOps.write(records.get(key), key, op, id, clock));
  }

  /** A client delete, as the RocksDB shard applies it. */
  public WriteResult delete(KeyRef key) {
    return commit(key, KeyOps.delete(records.get(key), key, id, clock));
  }

  private WriteResult commit(KeyRef key, KeyOps.Plan plan) {
    long seq = lastSequence + 1;
    KeyOps.Committed c =
        plan.logs()
            ? plan.commit(new Dot(id, seq), dependencies.carry())
            : plan.commit(null, VersionVector.EMPTY);
    if (plan.logs()) {
      lastSequence = seq;
      log.put(seq, c.entry());
      entryBytes.put(seq, (long) LogEntryCodec.encode(c.entry()).length);
      known(key).add(c.entry().id());
    }
    if (c.record() != null) {
      store(key, c.record());
    }
    return c.result();
  }

  /** A local read. */
  public ReadResult read(KeyRef key) {
    KeyRecord r = records.get(key);
    if (r == null || !r.live()) {
      return new ReadResult.NotFound(key);
    }
    return new ReadResult.Found(key, r.type(), r.state(), r.epoch());
  }

  // ---- LocalReplica ----

  @Override
  public ReplicaId replicaId() {
    return id;
  }

  @Override
  public long lastSequence() {
    return lastSequence;
  }

  @Override
  public List<LogEntry> readLog(long fromSeq, int maxEntries, long maxBytes) {
    List<LogEntry> out = new ArrayList<>();
    long bytes = 0;
    for (Map.Entry<Long, LogEntry> e : log.tailMap(fromSeq, true).entrySet()) {
      long size = entryBytes.get(e.getKey());
      if (out.size() >= maxEntries || (!out.isEmpty() && bytes + size > maxBytes)) {
        break;
      }
      out.add(e.getValue());
      bytes += size;
    }
    return out;
  }

  @Override
  public long firstRetainedSequence() {
    return log.isEmpty() ? lastSequence + 1 : log.firstKey();
  }

  @Override
  public void trimLog(long throughSeq) {
    if (throughSeq > lastSequence) {
      throw new IllegalStateException(
          id + ": trim through " + throughSeq + " beyond the last sequence " + lastSequence);
    }
    NavigableMap<Long, LogEntry> head = log.headMap(throughSeq, true);
    head.keySet().forEach(entryBytes::remove);
    head.clear();
    trimmedThrough = Math.max(trimmedThrough, throughSeq);
  }

  @Override
  public void merge(List<LogEntry> entries, Consumer<Boolean> done) {
    List<LogEntry> batch = List.copyOf(entries);
    if (!batch.isEmpty()) {
      // Visible before it can be applied: a write that could see its effect depends on it.
      dependencies.raise(batch.getLast().id().replica(), batch.getLast().id().counter());
    }
    env.schedule(
        mergeDelayMs,
        () -> {
          for (LogEntry e : batch) {
            mergeOne(e);
          }
          mergeObserver.run();
          done.accept(true);
        });
  }

  private void mergeOne(LogEntry e) {
    KeyOps.MergePlan plan = KeyOps.merge(records.get(e.key()), e.toRecord(), horizon, false, clock);
    if (plan.record() != null) {
      store(e.key(), plan.record());
    }
    known(e.key()).add(e.id());
    ReplicaId origin = e.id().replica();
    long seq = e.id().counter();
    seen.computeIfAbsent(origin, o -> new java.util.BitSet()).set((int) seq);
    long have = merged.getOrDefault(origin, 0L);
    if (seq == have + 1) {
      merged.put(origin, seq);
    } else if (seq > have + 1) {
      throw new IllegalStateException(
          id + " merged " + e.id() + " of " + origin + " after only " + have + ": a gap");
    }
  }

  @Override
  public VersionVector appliedVector() {
    VersionVector v = VersionVector.of(id, lastSequence);
    for (Map.Entry<ReplicaId, Long> e : applied.entrySet()) {
      v = v.with(e.getKey(), e.getValue());
    }
    return v;
  }

  /** What merges and merged records made visible, with the applied watermarks. */
  @Override
  public VersionVector coverage() {
    return appliedVector().merge(dependencies.visible());
  }

  @Override
  public void readRecords(List<KeyRef> keys, Consumer<RecordRead> done) {
    List<KeyedRecord> found = new ArrayList<>();
    List<KeyRef> absent = new ArrayList<>();
    for (KeyRef k : keys) {
      KeyRecord r = records.get(k);
      if (r == null) {
        absent.add(k);
      } else {
        KeyedRecord kr = new KeyedRecord(k, r);
        provenance.note(kr, known(k));
        found.add(kr);
      }
    }
    RecordRead read = new RecordRead(found, absent, List.of());
    env.schedule(0, () -> done.accept(read));
  }

  @Override
  public void mergeRecords(List<KeyedRecord> incoming, VersionVector covers, IntConsumer done) {
    // Before the merge: every later write here depends on what the records may show.
    dependencies.note(covers);
    List<KeyedRecord> batch = List.copyOf(incoming);
    env.schedule(
        mergeDelayMs,
        () -> {
          int changed = 0;
          for (KeyedRecord r : batch) {
            // Under the horizon, as the RocksDB store merges a full record.
            KeyOps.MergePlan plan =
                KeyOps.merge(records.get(r.key()), r.record(), horizon, false, clock);
            if (plan.record() != null) {
              store(r.key(), plan.record());
            }
            learn(r.key(), provenance.of(r));
            if (plan.result().changed()) {
              changed++;
            }
          }
          done.accept(changed);
        });
  }

  private void store(KeyRef key, KeyRecord record) {
    records.put(key, record);
    tree.put(key, record);
  }

  private Set<Dot> known(KeyRef key) {
    return knownOps.computeIfAbsent(key, k -> new HashSet<>());
  }

  /** A full record brought the effects of {@code ops} on {@code key}: they are seen here now. */
  private void learn(KeyRef key, Set<Dot> ops) {
    known(key).addAll(ops);
    for (Dot d : ops) {
      if (!d.replica().equals(id)) {
        seen.computeIfAbsent(d.replica(), o -> new java.util.BitSet()).set((int) d.counter());
      }
    }
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
    LeafKeys page = LocalReplica.readLeaves(leaves, keysMax, tree::keys);
    env.schedule(0, () -> done.accept(page));
  }

  /** None: the simulated disk does not corrupt values. */
  @Override
  public List<KeyRef> quarantined() {
    return List.of();
  }

  @Override
  public long applied(ReplicaId origin) {
    return applied.getOrDefault(origin, 0L);
  }

  @Override
  public void recordApplied(ReplicaId origin, long seq) {
    long before = applied(origin);
    if (seq < before) {
      throw new IllegalStateException(
          id + ": watermark of " + origin + " moved back from " + before + " to " + seq);
    }
    long have = merged.getOrDefault(origin, 0L);
    if (seq > have) {
      // Only a skipTo moves the watermark over entries never merged.
      skipped.add(origin + " " + (have + 1) + ".." + seq + " at " + id);
      merged.put(origin, seq);
    }
    applied.put(origin, seq);
  }

  @Override
  public Map<NodeId, Long> peerAcks() {
    return Map.copyOf(peerAcks);
  }

  @Override
  public void recordPeerAcks(Map<NodeId, Long> acks) {
    peerAcks.clear();
    peerAcks.putAll(acks);
  }

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
    return stabilityState == null ? null : stabilityState.clone();
  }

  @Override
  public void recordStabilityState(byte[] state) {
    stabilityState = state.clone();
  }

  // ---- anti-entropy and garbage collection ----

  /**
   * Merges a full record, as an anti-entropy exchange does (under this replica's horizon, which the
   * exchange raised to the peer's first).
   */
  public void mergeRecord(KeyRef key, KeyRecord record) {
    KeyOps.MergePlan plan = KeyOps.merge(records.get(key), record, horizon, false, clock);
    if (plan.record() != null) {
      store(key, plan.record());
    }
  }

  /**
   * Collects under the horizon, as {@code RocksStore.gc}: drops stable tombstones and forgets
   * stable epochs. Returns how many records changed.
   */
  public int gc() {
    int changed = 0;
    for (var it = records.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<KeyRef, KeyRecord> e = it.next();
      KeyRecord r = e.getValue();
      KeyRecord n = r.normalize(horizon);
      if (n == r) {
        continue;
      }
      long before = io.geodatastore.storage.RecordCodec.encode(r).length;
      changed++;
      if (n == null) {
        it.remove();
        tree.put(e.getKey(), null);
        tombstonesDropped++;
        bytesReclaimed += before;
      } else {
        e.setValue(n);
        tree.put(e.getKey(), n);
        epochsForgotten++;
        bytesReclaimed += before - io.geodatastore.storage.RecordCodec.encode(n).length;
      }
    }
    return changed;
  }

  // ---- inspection, for the simulator's checks ----

  /** Runs {@code observer} after every merge, once the merged records are in place. */
  public void observeMerges(Runnable observer) {
    this.mergeObserver = observer;
  }

  /**
   * Per origin, the highest sequence such that the effect of every entry up to it is in this
   * replica's state: merged by replication, or brought by anti-entropy ({@link #importSeen}).
   * Unlike {@link #merged}, never counts a range skipped and not yet repaired.
   */
  public long seen(ReplicaId origin) {
    if (origin.equals(id)) {
      return lastSequence;
    }
    java.util.BitSet b = seen.get(origin);
    return b == null ? 0 : b.nextClearBit(1) - 1;
  }

  /** A copy of exactly which of {@code origin}'s entries are in this replica's state. */
  public java.util.BitSet seenEntries(ReplicaId origin) {
    if (origin.equals(id)) {
      java.util.BitSet own = new java.util.BitSet();
      own.set(1, (int) lastSequence + 1);
      return own;
    }
    java.util.BitSet b = seen.get(origin);
    return b == null ? new java.util.BitSet() : (java.util.BitSet) b.clone();
  }

  /**
   * After an anti-entropy exchange with {@code peer} converged: the entries the peer's state
   * reflected up to its complete watermarks {@code upTo} (as it claimed them when the exchange
   * began) are in this one's too. Taken from what the peer's state actually reflects, so that a
   * claim the peer could not honour still shows as missing.
   */
  public void importSeen(MemoryReplica peer, Map<ReplicaId, Long> upTo) {
    upTo.forEach(
        (origin, through) -> {
          if (origin.equals(id) || through <= 0) {
            return;
          }
          java.util.BitSet theirs = peer.seenEntries(origin);
          java.util.BitSet capped = theirs.get(0, (int) Math.min(through + 1, Integer.MAX_VALUE));
          seen.computeIfAbsent(origin, x -> new java.util.BitSet()).or(capped);
        });
    peer.knownOps.forEach(
        (k, ops) -> {
          for (Dot d : ops) {
            if (d.counter() <= upTo.getOrDefault(d.replica(), 0L)) {
              known(k).add(d);
            }
          }
        });
  }

  public long tombstonesDropped() {
    return tombstonesDropped;
  }

  public long epochsForgotten() {
    return epochsForgotten;
  }

  public long bytesReclaimed() {
    return bytesReclaimed;
  }

  /** Every record, by key. */
  public SortedMap<KeyRef, KeyRecord> records() {
    return Collections.unmodifiableSortedMap(records);
  }

  /** Per origin, the highest sequence whose entries (and all before it) are merged here. */
  public long merged(ReplicaId origin) {
    return origin.equals(id) ? lastSequence : merged.getOrDefault(origin, 0L);
  }

  /** Ranges of entries the watermark jumped over without merging them (skipTo). */
  public List<String> skipped() {
    return List.copyOf(skipped);
  }

  /** The client operations (log ids) whose effects the record of {@code key} reflects. */
  public Set<Dot> knownOps(KeyRef key) {
    return Set.copyOf(knownOps.getOrDefault(key, Set.of()));
  }

  /** The root of the anti-entropy tree. */
  public long merkleRoot() {
    return tree.root();
  }

  /** Entries still in this replica's own log. */
  public int logSize() {
    return log.size();
  }

  /** The highest sequence trimmed from this replica's own log. */
  public long trimmedThrough() {
    return trimmedThrough;
  }

  public long hlcClamps() {
    return hlcClamps;
  }

  public HlcTimestamp hlcTime() {
    return hlc.timestamp();
  }
}
