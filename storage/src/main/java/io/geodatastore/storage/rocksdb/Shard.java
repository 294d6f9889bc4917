package io.geodatastore.storage.rocksdb;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.Conflict;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.ConflictRecord;
import io.geodatastore.storage.KeyOps;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.LogEntryCodec;
import io.geodatastore.storage.MergeResult;
import io.geodatastore.storage.Merkle;
import io.geodatastore.storage.RecordCodec;
import io.geodatastore.storage.StoredLogEntry;
import io.geodatastore.storage.WriteResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One single-threaded shard. It owns the keys hashed to it: it serialises their updates, applies a
 * whole queue's worth of them to its cache of decoded records, writes them as one RocksDB batch
 * (group commit: one fsync for every write that queued while the previous one ran), and only then
 * completes their futures. Writers enqueue without taking any lock.
 */
final class Shard implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(Shard.class);

  /**
   * The most stored bytes of records one shard's cache holds (their decoded form is a few times
   * larger), whatever its entry bound: a few large sets must not hold the heap.
   */
  static final long CACHE_STORED_BYTES_MAX = 16L << 20;

  private final RocksStore store;
  private final int index;
  private final ConcurrentLinkedQueue<Task<?>> queue = new ConcurrentLinkedQueue<>();
  private final Thread thread;
  private final RecordCache cache;

  /** This shard's persisted visible marks (shard thread only), so a mark never goes down. */
  private final Map<ReplicaId, Long> visibleWritten;

  private volatile boolean running = true;

  /** The thread is about to park or parked: a writer must wake it. */
  private volatile boolean idle;

  Shard(RocksStore store, int index, int cacheEntries, Map<ReplicaId, Long> visibleWritten) {
    this.store = store;
    this.index = index;
    this.visibleWritten = new HashMap<>(visibleWritten);
    this.cache = new RecordCache(cacheEntries, CACHE_STORED_BYTES_MAX);
    this.thread = new Thread(this, "geods-shard-" + index);
  }

  void start() {
    thread.start();
  }

  /** Enqueues a task; false when the shard is stopping. */
  boolean submit(Task<?> t) {
    if (!running) {
      return false;
    }
    queue.add(t);
    // A busy shard finds the task on its next look; waking it costs a lock and often a system call
    // per write, a measurable share of the HTTP event loop's CPU under load.
    if (idle) {
      LockSupport.unpark(thread);
    }
    return true;
  }

  /** Stops taking tasks, finishes those queued, and waits for the thread. */
  void stop() throws InterruptedException {
    running = false;
    LockSupport.unpark(thread);
    thread.join();
    // A submit that raced the stop may have enqueued after the loop's last look: refuse it.
    for (Task<?> t = queue.poll(); t != null; t = queue.poll()) {
      t.fail(new IllegalStateException("the store is closed"));
    }
  }

  @Override
  public void run() {
    List<Task<?>> batch = new ArrayList<>();
    while (running || !queue.isEmpty()) {
      Task<?> first = queue.poll();
      if (first == null) {
        // Said before the last look at the queue, and a writer adds before it reads the flag
        // (both volatile): either the writer sees the flag and wakes the thread, or this look
        // sees the task; stop() clears running before it wakes the thread. So the thread parks
        // without a timeout: one of 5 ms woke each idle shard 200 times a second, 390 of the 480
        // context switches a second of a node at rest (and at 1,000 writes/s 0.2–0.3 of its
        // shards' 2–3 switches per write).
        idle = true;
        if (queue.isEmpty() && running) {
          LockSupport.park(this);
        }
        idle = false;
        continue;
      }
      batch.add(first);
      fill(batch);
      commit(batch);
      batch.clear();
    }
  }

  private void fill(List<Task<?>> batch) {
    int max = store.config().groupCommitMax();
    long windowNanos = TimeUnit.MICROSECONDS.toNanos(store.config().groupCommitWindowMicros());
    long deadline = System.nanoTime() + windowNanos;
    while (batch.size() < max) {
      Task<?> t = queue.poll();
      if (t != null) {
        batch.add(t);
      } else if (windowNanos > 0 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      } else {
        return;
      }
    }
  }

  /**
   * The work of one batch: puts, the sequences it allocated, the anti-entropy tree's leaf deltas,
   * and the completions to run.
   */
  final class Batch {
    final WriteBatch writes = new WriteBatch();
    final Map<KeyRef, Slot> pending = new HashMap<>();

    /**
     * Each changed key's newest record, added to the batch once its tasks are all applied: a hot
     * key written a hundred times in one group commit is put once, not a hundred times (the earlier
     * versions would only be shadowed in the memtable, and flushed with it). Deletes go in at once
     * and drop the key's pending put, so that a key's last change wins.
     */
    final Map<KeyRef, RecordPut> recordPuts = new LinkedHashMap<>();

    final MerkleTree.BatchChanges treeChanges = new MerkleTree.BatchChanges();
    final List<Long> sequences = new ArrayList<>();
    final List<StoredLogEntry> logged = new ArrayList<>();
    final List<Runnable> completions = new ArrayList<>();

    /** Completions handed to an executor, all of one executor's in one task (identity keys). */
    final Map<Executor, List<Runnable>> handoffs = new IdentityHashMap<>();

    final Map<ReplicaId, Long> visibleMarks = new HashMap<>();
    int conflicts;
    HlcTimestamp lastTime;
    boolean holdsSequencer;

    Slot load(KeyRef key) {
      Slot s = pending.get(key);
      if (s == null) {
        s = cache.get(key);
      }
      if (s == null) {
        s = store.loadSlot(key);
      }
      return s;
    }

    void put(Slot before, KeyRecord record) throws RocksDBException {
      putEncoded(before, record, RecordCodec.encode(record));
    }

    /**
     * One of the two places a record changes (with {@link #delete}): the record, and in the same
     * batch (added at its end) the anti-entropy tree's index entry and leaf, so that no crash can
     * part them.
     */
    private void putEncoded(Slot before, KeyRecord record, byte[] value) throws RocksDBException {
      byte[] name = before.key().nameBytes();
      if (before.record() != null && before.record().type() != record.type()) {
        writes.delete(store.cf(before.record().type()), name);
      }
      for (CrdtType stray : before.strayTypes()) {
        writes.delete(store.cf(stray), name);
      }
      recordPuts.put(before.key(), new RecordPut(store.cf(record.type()), name, value));
      long hash = Merkle.keyHash(before.key(), value);
      treeChanges.changed(before.key(), before.merkleHash(), hash);
      Slot after = new Slot(before.key(), record, value.length, null, List.of(), hash);
      pending.put(before.key(), after);
      store.statsChanged(before, after);
    }

    /** Persists, with the batch, that entry {@code id}'s effect may be in the records. */
    void markVisible(Dot id) {
      long seq = id.counter();
      if (seq > visibleWritten.getOrDefault(id.replica(), 0L)
          && seq > visibleMarks.getOrDefault(id.replica(), 0L)) {
        visibleMarks.put(id.replica(), seq);
      }
    }

    /** Logs the conflicts a write or merge of {@code key} resolved, in this batch. */
    void logConflicts(KeyRef key, CrdtType type, List<Conflict> resolved) throws RocksDBException {
      if (resolved.isEmpty()) {
        return;
      }
      long now = store.config().wallClockMs().getAsLong();
      List<ConflictRecord> records = new ArrayList<>(resolved.size());
      for (Conflict c : resolved) {
        records.add(new ConflictRecord(now, key, type, c));
      }
      store.conflictLog().put(writes, records);
      conflicts += records.size();
    }

    /**
     * Removes a record (and any stray copy, which would otherwise resurface without a tree term).
     */
    void delete(Slot before) throws RocksDBException {
      byte[] name = before.key().nameBytes();
      recordPuts.remove(before.key());
      writes.delete(store.cf(before.record().type()), name);
      for (CrdtType stray : before.strayTypes()) {
        writes.delete(store.cf(stray), name);
      }
      treeChanges.changed(before.key(), before.merkleHash(), 0);
      Slot after = Slot.absent(before.key());
      pending.put(before.key(), after);
      store.statsChanged(before, after);
    }

    /**
     * Makes the tree's index entry of {@code slot}'s key match the record (a rebuild); true when it
     * did not. The leaf is left alone: the rebuild fixes leaves once every entry is right.
     */
    boolean reindex(Slot slot) throws RocksDBException {
      if (slot.corrupt() != null || pending.containsKey(slot.key())) {
        // A quarantined key keeps the entry it has (its damaged bytes were never a tree term); a
        // key changed earlier in this batch has its entry in the batch already.
        return false;
      }
      long want = slot.record() == null ? 0 : slot.merkleHash();
      if (store.merkle().indexHolds(slot.key(), want)) {
        return false;
      }
      store.merkle().putIndex(writes, slot.key(), want);
      return true;
    }

    /**
     * Adds a planned change to the batch: its record and its log entry together, or neither. The
     * entry's sequence number is allocated under the store's sequencer (held until the batch is
     * written, so the log has no holes) and handed back if building the change fails; its
     * dependencies are captured under the sequencer too, in sequence order.
     */
    WriteResult commit(Slot before, KeyOps.Plan plan) throws RocksDBException {
      Dot id = null;
      VersionVector deps = VersionVector.EMPTY;
      if (plan.logs()) {
        if (!holdsSequencer) {
          store.sequencer().lock();
          holdsSequencer = true;
        }
        id = new Dot(store.replicaId(), store.allocateSequence());
        deps = store.dependencies().carry();
      }
      KeyOps.Committed c;
      byte[] record;
      byte[] entry;
      try {
        c = plan.commit(id, deps);
        record = c.record() == null ? null : RecordCodec.encode(c.record());
        entry = c.entry() == null ? null : LogEntryCodec.encode(c.entry());
      } catch (RuntimeException e) {
        if (id != null) {
          store.releaseSequence(id.counter());
          store.dependencies().forgetCarried();
        }
        throw e;
      }
      if (id != null) {
        sequences.add(id.counter());
        lastTime = c.entry().writtenAt();
      }
      if (record != null) {
        putEncoded(before, c.record(), record);
      }
      if (entry != null) {
        writes.put(store.replogCf(), LogEntryCodec.key(id), entry);
        store.logAppended(entry.length);
        logged.add(new StoredLogEntry(c.entry(), entry));
      }
      return c.result();
    }
  }

  /** A record put that waits for the end of its batch. */
  private record RecordPut(ColumnFamilyHandle cf, byte[] name, byte[] value) {}

  private void commit(List<Task<?>> tasks) {
    Batch b = new Batch();
    try (b.writes) {
      for (Task<?> t : tasks) {
        try {
          t.apply(b);
        } catch (RuntimeException e) {
          log.error("shard {}: task on {} failed", index, t.key(), e);
          t.fail(e);
        }
      }
      for (RecordPut p : b.recordPuts.values()) {
        b.writes.put(p.cf(), p.name(), p.value());
      }
      store.merkle().addTo(b.writes, b.treeChanges);
      if (b.writes.count() > 0) {
        store.metaPut(b, index);
        store.db().write(store.writeOptions(), b.writes);
        store.merkle().applied(b.treeChanges);
        b.logged.forEach(store::logWritten); // before their sequences count as durable
      }
      b.pending.forEach(
          (k, s) -> {
            if (s.record() == null) {
              cache.remove(k);
            } else {
              cache.put(k, s);
            }
          });
      visibleWritten.putAll(b.visibleMarks);
      b.sequences.forEach(store::sequenceDurable);
      releaseSequencer(b);
      if (b.conflicts > 0) {
        store.conflictLog().added(b.conflicts);
      }
      if (!b.sequences.isEmpty()) {
        store.logDurable();
      }
      b.completions.forEach(Runnable::run);
      b.handoffs.forEach((executor, completions) -> handOff(executor, completions));
    } catch (RocksDBException e) {
      log.error("shard {}: write of a batch of {} failed: {}", index, tasks.size(), e.getMessage());
      b.pending.keySet().forEach(cache::remove);
      store.statsInvalidated();
      if (!b.sequences.isEmpty()) {
        store.dependencies().forgetCarried(); // the lost entries carried dependencies
      }
      b.sequences.forEach(store::sequenceDurable);
      for (Task<?> t : tasks) {
        t.fail(new StorageException("write failed: " + e.getMessage(), e));
      }
    } finally {
      releaseSequencer(b);
    }
  }

  /**
   * Runs a batch's completions on their executor in one task: an event loop then wakes once per
   * batch, not once per request. If it refuses (it is shutting down), they run here, so that no
   * future is left incomplete.
   */
  private static void handOff(Executor executor, List<Runnable> completions) {
    Runnable all = () -> completions.forEach(Runnable::run);
    try {
      executor.execute(all);
    } catch (RejectedExecutionException e) {
      all.run();
    }
  }

  private void releaseSequencer(Batch b) {
    if (b.holdsSequencer) {
      b.holdsSequencer = false;
      store.sequencer().unlock();
    }
  }

  // ---- tasks ----

  /**
   * A unit of work on one key, run on the shard thread; its future completes after the batch that
   * holds it is written, on the shard thread or, when the task names one, on its executor.
   *
   * @param <R> what the future completes with
   */
  abstract static class Task<R> {
    final KeyRef key;
    final CompletableFuture<R> done = new CompletableFuture<>();

    /** Where the future completes; null: on the shard thread. */
    private final Executor completer;

    Task(KeyRef key) {
      this(key, null);
    }

    Task(KeyRef key, Executor completer) {
      this.key = key;
      this.completer = completer;
    }

    KeyRef key() {
      return key;
    }

    void fail(Throwable t) {
      if (completer == null) {
        done.completeExceptionally(t);
      } else {
        handOff(completer, List.of(() -> done.completeExceptionally(t)));
      }
    }

    /** Completes the future once the batch is durable. */
    final void completeAfterWrite(Batch b, R result) {
      Runnable complete = () -> done.complete(result);
      if (completer == null) {
        b.completions.add(complete);
      } else {
        b.handoffs.computeIfAbsent(completer, e -> new ArrayList<>()).add(complete);
      }
    }

    abstract void apply(Batch b) throws RocksDBException;
  }

  /** A client write. */
  static final class WriteTask extends Task<WriteResult> {
    private final Operation op;
    private final RocksStore store;

    WriteTask(RocksStore store, KeyRef key, Operation op, Executor completer) {
      super(key, completer);
      this.store = store;
      this.op = op;
    }

    @Override
    void apply(Batch b) throws RocksDBException {
      Slot slot = b.load(key);
      WriteResult r =
          slot.corrupt() != null
              ? new WriteResult.Quarantined(key, slot.corrupt())
              : b.commit(
                  slot, KeyOps.write(slot.record(), key, op, store.replicaId(), store.clock()));
      if (r instanceof WriteResult.Written w) {
        b.logConflicts(key, w.type(), w.conflicts());
      }
      completeAfterWrite(b, r);
    }
  }

  /** A client delete. */
  static final class DeleteTask extends Task<WriteResult> {
    private final RocksStore store;

    DeleteTask(RocksStore store, KeyRef key, Executor completer) {
      super(key, completer);
      this.store = store;
    }

    @Override
    void apply(Batch b) throws RocksDBException {
      Slot slot = b.load(key);
      completeAfterWrite(
          b,
          slot.corrupt() != null
              ? new WriteResult.Quarantined(key, slot.corrupt())
              : b.commit(
                  slot, KeyOps.delete(slot.record(), key, store.replicaId(), store.clock())));
    }
  }

  /** A merge of a replicated entry or an anti-entropy record. */
  static final class MergeTask extends Task<MergeResult> {
    private final KeyRecord incoming;
    private final Dot entryId;
    private final boolean fullState;
    private final RocksStore store;

    /** {@code entryId} is the replicated entry's, or null for a full record. */
    MergeTask(RocksStore store, KeyRef key, KeyRecord incoming, Dot entryId) {
      super(key);
      this.store = store;
      this.incoming = incoming;
      this.entryId = entryId;
      this.fullState = entryId == null;
    }

    @Override
    void apply(Batch b) throws RocksDBException {
      Slot slot = b.load(key);
      if (entryId != null) {
        b.markVisible(entryId);
      }
      boolean repairing = slot.corrupt() != null;
      if (repairing && !fullState) {
        // A delta cannot rebuild a corrupt state; anti-entropy will ship the full state.
        completeAfterWrite(b, new MergeResult(false, false, List.of()));
        return;
      }
      KeyOps.MergePlan plan =
          KeyOps.merge(slot.record(), incoming, store.horizon(), repairing, store.clock());
      if (plan.record() != null) {
        b.put(slot, plan.record());
      }
      MergeResult r = plan.result();
      KeyRecord now = plan.record() != null ? plan.record() : slot.record();
      b.logConflicts(key, now != null ? now.type() : incoming.type(), r.conflicts());
      b.completions.add(
          () -> {
            // Lifted only once the repair is written: a read in between would find the corrupt
            // value again and quarantine the key anew.
            if (repairing) {
              store.repaired(key);
            }
            done.complete(r);
          });
    }
  }

  /** A rebuild of the anti-entropy tree: one key's index entry made to match its record. */
  static final class ReindexTask extends Task<Boolean> {

    ReindexTask(KeyRef key) {
      super(key);
    }

    @Override
    void apply(Batch b) throws RocksDBException {
      completeAfterWrite(b, b.reindex(b.load(key)));
    }
  }

  /** Garbage collection of one key under a horizon: drop a stable tombstone or forget an epoch. */
  static final class NormalizeTask extends Task<long[]> {
    private final VersionVector horizon;

    NormalizeTask(KeyRef key, VersionVector horizon) {
      super(key);
      this.horizon = horizon;
    }

    @Override
    void apply(Batch b) throws RocksDBException {
      Slot slot = b.load(key);
      long[] reclaimed = new long[3];
      KeyRecord rec = slot.record();
      if (rec != null && slot.corrupt() == null) {
        KeyRecord n = rec.normalize(horizon);
        long before = slot.storedBytes() + (long) key.nameBytes().length;
        if (n == null) {
          b.delete(slot);
          reclaimed[0] = 1;
          reclaimed[2] = before;
        } else if (n != rec) {
          b.put(slot, n);
          reclaimed[1] = 1;
          reclaimed[2] =
              before - (b.pending.get(key).storedBytes() + (long) key.nameBytes().length);
        }
      }
      completeAfterWrite(b, reclaimed);
    }
  }
}
