package io.geodatastore.storage.rocksdb;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.LwwRegister;
import io.geodatastore.core.op.Operation;
import io.geodatastore.core.op.Operations;
import io.geodatastore.storage.Epoch;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.LogEntry;
import io.geodatastore.storage.LogEntryCodec;
import io.geodatastore.storage.MergeResult;
import io.geodatastore.storage.RecordCodec;
import io.geodatastore.storage.WriteResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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

  private final RocksStore store;
  private final int index;
  private final ConcurrentLinkedQueue<Task> queue = new ConcurrentLinkedQueue<>();
  private final Thread thread;
  private final LinkedHashMap<KeyRef, Slot> cache;
  private volatile boolean running = true;

  Shard(RocksStore store, int index, int cacheEntries) {
    this.store = store;
    this.index = index;
    this.cache =
        new LinkedHashMap<>(1024, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<KeyRef, Slot> eldest) {
            return size() > cacheEntries;
          }
        };
    this.thread = new Thread(this, "geods-shard-" + index);
  }

  void start() {
    thread.start();
  }

  /** Enqueues a task; false when the shard is stopping. */
  boolean submit(Task t) {
    if (!running) {
      return false;
    }
    queue.add(t);
    LockSupport.unpark(thread);
    return true;
  }

  /** Stops taking tasks, finishes those queued, and waits for the thread. */
  void stop() throws InterruptedException {
    running = false;
    LockSupport.unpark(thread);
    thread.join();
    // A submit that raced the stop may have enqueued after the loop's last look: refuse it.
    for (Task t = queue.poll(); t != null; t = queue.poll()) {
      t.fail(new IllegalStateException("the store is closed"));
    }
  }

  @Override
  public void run() {
    List<Task> batch = new ArrayList<>();
    while (running || !queue.isEmpty()) {
      Task first = queue.poll();
      if (first == null) {
        LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(5));
        continue;
      }
      batch.add(first);
      fill(batch);
      commit(batch);
      batch.clear();
    }
  }

  private void fill(List<Task> batch) {
    int max = store.config().groupCommitMax();
    long windowNanos = TimeUnit.MICROSECONDS.toNanos(store.config().groupCommitWindowMicros());
    long deadline = System.nanoTime() + windowNanos;
    while (batch.size() < max) {
      Task t = queue.poll();
      if (t != null) {
        batch.add(t);
      } else if (windowNanos > 0 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      } else {
        return;
      }
    }
  }

  /** The work of one batch: puts, the sequences it allocated, and the completions to run. */
  final class Batch {
    final WriteBatch writes = new WriteBatch();
    final Map<KeyRef, Slot> pending = new HashMap<>();
    final List<Long> sequences = new ArrayList<>();
    final List<Runnable> completions = new ArrayList<>();
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
      byte[] value = RecordCodec.encode(record);
      byte[] name = before.key().nameBytes();
      if (before.record() != null && before.record().type() != record.type()) {
        writes.delete(store.cf(before.record().type()), name);
      }
      for (CrdtType stray : before.strayTypes()) {
        writes.delete(store.cf(stray), name);
      }
      writes.put(store.cf(record.type()), name, value);
      Slot after = new Slot(before.key(), record, value.length, null, List.of());
      pending.put(before.key(), after);
      store.statsChanged(before, after);
    }

    void delete(Slot before) throws RocksDBException {
      writes.delete(store.cf(before.record().type()), before.key().nameBytes());
      Slot after = new Slot(before.key(), null, 0, null, List.of());
      pending.put(before.key(), after);
      store.statsChanged(before, after);
    }

    Dot log(LogEntryBuilder b) throws RocksDBException {
      if (!holdsSequencer) {
        store.sequencer().lock();
        holdsSequencer = true;
      }
      long seq = store.allocateSequence();
      sequences.add(seq);
      Dot id = new Dot(store.replicaId(), seq);
      LogEntry entry = b.build(id);
      byte[] value = LogEntryCodec.encode(entry);
      writes.put(store.replogCf(), LogEntryCodec.key(id), value);
      store.logAppended(value.length);
      return id;
    }
  }

  /** Builds a log entry once its id is known. */
  interface LogEntryBuilder {
    LogEntry build(Dot id);
  }

  private void commit(List<Task> tasks) {
    Batch b = new Batch();
    try (b.writes) {
      for (Task t : tasks) {
        try {
          t.apply(b);
        } catch (RuntimeException e) {
          log.error("shard {}: task on {} failed", index, t.key(), e);
          t.fail(e);
        }
      }
      if (b.writes.count() > 0) {
        store.metaPut(b, index);
        store.db().write(store.writeOptions(), b.writes);
      }
      b.pending.forEach(
          (k, s) -> {
            if (s.record() == null) {
              cache.remove(k);
            } else {
              cache.put(k, s);
            }
          });
      b.sequences.forEach(store::sequenceDurable);
      releaseSequencer(b);
      b.completions.forEach(Runnable::run);
    } catch (RocksDBException e) {
      log.error("shard {}: write of a batch of {} failed: {}", index, tasks.size(), e.getMessage());
      b.pending.keySet().forEach(cache::remove);
      store.statsInvalidated();
      b.sequences.forEach(store::sequenceDurable);
      for (Task t : tasks) {
        t.fail(new StorageException("write failed: " + e.getMessage(), e));
      }
    } finally {
      releaseSequencer(b);
    }
  }

  private void releaseSequencer(Batch b) {
    if (b.holdsSequencer) {
      b.holdsSequencer = false;
      store.sequencer().unlock();
    }
  }

  // ---- tasks ----

  /** A unit of work on one key, run on the shard thread. */
  abstract static class Task {
    abstract KeyRef key();

    abstract void apply(Batch b) throws RocksDBException;

    abstract void fail(Throwable t);
  }

  /** A client write. */
  static final class WriteTask extends Task {
    final KeyRef key;
    final Operation op;
    final CompletableFuture<WriteResult> done = new CompletableFuture<>();
    private final RocksStore store;

    WriteTask(RocksStore store, KeyRef key, Operation op) {
      this.store = store;
      this.key = key;
      this.op = op;
    }

    @Override
    KeyRef key() {
      return key;
    }

    @Override
    void fail(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    void apply(Batch b) throws RocksDBException {
      Slot slot = b.load(key);
      if (slot.corrupt() != null) {
        complete(b, new WriteResult.Quarantined(key, slot.corrupt()));
        return;
      }
      KeyRecord rec = slot.record();
      boolean created = rec == null || !rec.live();
      KeyRecord base;
      if (created) {
        CrdtType type = op instanceof Operation.Create c ? c.type() : key.family().defaultType();
        base =
            rec == null
                ? KeyRecord.live(type.empty())
                : new KeyRecord(type, rec.epoch(), true, type.empty(), rec.epochDot());
      } else {
        if (op instanceof Operation.Create c && c.type() != rec.type()) {
          complete(b, new WriteResult.TypeMismatch(key, rec.type()));
          return;
        }
        base = rec;
      }
      // A write must be ordered after what it overwrites: an LWW write after the value's time, and
      // any write after the epoch it is in (so the clock never lags the data it has seen).
      store.receive(base.epoch().timestamp());
      if (base.state() instanceof LwwRegister lww && !lww.isEmpty()) {
        store.receive(lww.timestamp());
      }
      HlcTimestamp now = store.tick();
      b.lastTime = now;
      Operations.Outcome outcome =
          Operations.apply(base.type(), base.state(), op, store.replicaId(), now);
      switch (outcome) {
        case Operations.TypeMismatch m ->
            complete(b, new WriteResult.TypeMismatch(key, m.actual()));
        case Operations.Overflow o -> complete(b, new WriteResult.Overflow(key, o.message()));
        case Operations.Applied a -> applied(b, slot, base, a, created, now);
      }
    }

    private void applied(
        Batch b, Slot slot, KeyRecord base, Operations.Applied a, boolean created, HlcTimestamp now)
        throws RocksDBException {
      KeyRecord next = base.withState(a.state());
      Dot id = null;
      if (created || !a.delta().isEmpty()) {
        b.put(slot, next);
        id =
            b.log(
                i ->
                    new LogEntry(
                        i, key, next.type(), next.epoch(), true, a.delta(), next.epochDot(), now));
      }
      complete(
          b,
          new WriteResult.Written(key, next.type(), next.state(), created, id, now, a.conflicts()));
    }

    private void complete(Batch b, WriteResult r) {
      b.completions.add(() -> done.complete(r));
    }
  }

  /** A client delete. */
  static final class DeleteTask extends Task {
    final KeyRef key;
    final CompletableFuture<WriteResult> done = new CompletableFuture<>();
    private final RocksStore store;

    DeleteTask(RocksStore store, KeyRef key) {
      this.store = store;
      this.key = key;
    }

    @Override
    KeyRef key() {
      return key;
    }

    @Override
    void fail(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    void apply(Batch b) throws RocksDBException {
      Slot slot = b.load(key);
      WriteResult r;
      if (slot.corrupt() != null) {
        r = new WriteResult.Quarantined(key, slot.corrupt());
      } else if (slot.record() == null || !slot.record().live()) {
        r = new WriteResult.NotFound(key);
      } else {
        CrdtType type = slot.record().type();
        // The new epoch must be greater than the one it ends, or the delete would lose the join.
        store.receive(slot.record().epoch().timestamp());
        HlcTimestamp now = store.tick();
        b.lastTime = now;
        Epoch epoch = new Epoch(now, store.replicaId());
        Dot id = b.log(i -> new LogEntry(i, key, type, epoch, false, type.empty(), i, now));
        b.put(slot, KeyRecord.tombstone(type, epoch, id));
        r = new WriteResult.Written(key, type, type.empty(), false, id, now, List.of());
      }
      WriteResult result = r;
      b.completions.add(() -> done.complete(result));
    }
  }

  /** A merge of a replicated entry or an anti-entropy record. */
  static final class MergeTask extends Task {
    final KeyRef key;
    final KeyRecord incoming;
    final boolean fullState;
    final CompletableFuture<MergeResult> done = new CompletableFuture<>();
    private final RocksStore store;

    MergeTask(RocksStore store, KeyRef key, KeyRecord incoming, boolean fullState) {
      this.store = store;
      this.key = key;
      this.incoming = incoming;
      this.fullState = fullState;
    }

    @Override
    KeyRef key() {
      return key;
    }

    @Override
    void fail(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    void apply(Batch b) throws RocksDBException {
      Slot slot = b.load(key);
      boolean repairing = slot.corrupt() != null;
      if (repairing && !fullState) {
        // A delta cannot rebuild a corrupt state; anti-entropy will ship the full state.
        b.completions.add(() -> done.complete(new MergeResult(false, false, List.of())));
        return;
      }
      VersionVector horizon = store.horizon();
      KeyRecord in = incoming.normalize(horizon);
      KeyRecord local =
          repairing || slot.record() == null ? null : slot.record().normalize(horizon);
      if (in == null) {
        b.completions.add(() -> done.complete(new MergeResult(false, false, List.of())));
        return;
      }
      KeyRecord.Merged m = KeyRecord.merge(local, in);
      boolean changed = m.record() != slot.record() && !m.record().equals(slot.record());
      if (changed || repairing) {
        b.put(slot, m.record());
        if (m.record().state() instanceof LwwRegister r && !r.isEmpty()) {
          store.receive(r.timestamp());
        }
      }
      MergeResult r = new MergeResult(changed || repairing, repairing, m.conflicts());
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

  /** Garbage collection of one key under a horizon: drop a stable tombstone or forget an epoch. */
  static final class NormalizeTask extends Task {
    final KeyRef key;
    final VersionVector horizon;
    final CompletableFuture<long[]> done = new CompletableFuture<>();

    NormalizeTask(KeyRef key, VersionVector horizon) {
      this.key = key;
      this.horizon = horizon;
    }

    @Override
    KeyRef key() {
      return key;
    }

    @Override
    void fail(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    void apply(Batch b) throws RocksDBException {
      Slot slot = b.load(key);
      long[] reclaimed = new long[3];
      KeyRecord rec = slot.record();
      if (rec != null && slot.corrupt() == null) {
        KeyRecord n = rec.normalize(horizon);
        long before = slot.storedBytes() + key.nameBytes().length;
        if (n == null) {
          b.delete(slot);
          reclaimed[0] = 1;
          reclaimed[2] = before;
        } else if (n != rec) {
          b.put(slot, n);
          reclaimed[1] = 1;
          reclaimed[2] = before - (b.pending.get(key).storedBytes() + key.nameBytes().length);
        }
      }
      b.completions.add(() -> done.complete(reclaimed));
    }
  }
}
