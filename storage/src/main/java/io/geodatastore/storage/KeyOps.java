package io.geodatastore.storage;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.LwwRegister;
import io.geodatastore.core.op.Operation;
import io.geodatastore.core.op.Operations;
import java.util.List;

/**
 * The semantics of one key's writes, deletes and merges, independent of how records are stored: the
 * RocksDB shards and the simulator's in-memory store both apply exactly these rules.
 *
 * <p>A write or delete is planned first and committed second: {@link Plan#commit} receives the id
 * of the replication-log entry and its dependencies (allocated and captured by the caller only when
 * {@link Plan#logs()}: see {@link DependencyTracker#carry}), and returns the new record, the entry
 * and the result together, so a store can write the record and its entry in one atomic step.
 */
public final class KeyOps {

  private KeyOps() {}

  /** The replica's hybrid logical clock, as a store keeps it. */
  public interface Clock {
    /** Advances the clock past a timestamp seen in data. */
    void receive(HlcTimestamp seen);

    /** A fresh timestamp, after everything issued or received. */
    HlcTimestamp tick();
  }

  /** A planned change of one key. */
  public interface Plan {
    /** Whether committing appends a replication-log entry (and so needs its id). */
    boolean logs();

    /**
     * The change, given the log entry's id and dependencies (null and empty when {@link #logs()} is
     * false).
     */
    Committed commit(Dot id, VersionVector deps);
  }

  /**
   * A change ready to store.
   *
   * @param record the key's new record, or null when it did not change
   * @param entry the replication-log entry, or null
   * @param result what the client is told
   */
  public record Committed(KeyRecord record, LogEntry entry, WriteResult result) {}

  private static Plan unchanged(WriteResult result) {
    return new Plan() {
      @Override
      public boolean logs() {
        return false;
      }

      @Override
      public Committed commit(Dot id, VersionVector deps) {
        return new Committed(null, null, result);
      }
    };
  }

  private static Plan logged(java.util.function.BiFunction<Dot, VersionVector, Committed> f) {
    return new Plan() {
      @Override
      public boolean logs() {
        return true;
      }

      @Override
      public Committed commit(Dot id, VersionVector deps) {
        return f.apply(id, deps);
      }
    };
  }

  /** Plans a client write on a key whose record is {@code current} (null when absent). */
  public static Plan write(
      KeyRecord current, KeyRef key, Operation op, ReplicaId self, Clock clock) {
    boolean created = current == null || !current.live();
    KeyRecord base;
    if (created) {
      CrdtType type = op instanceof Operation.Create c ? c.type() : key.family().defaultType();
      base =
          current == null
              ? KeyRecord.live(type.empty())
              : new KeyRecord(type, current.epoch(), true, type.empty(), current.epochDot());
    } else {
      if (op instanceof Operation.Create c && c.type() != current.type()) {
        return unchanged(new WriteResult.TypeMismatch(key, current.type()));
      }
      base = current;
    }
    // A write is ordered after what it overwrites: after the epoch it is in, and for an LWW
    // register after the value's time, so the clock never lags the data it has seen.
    clock.receive(base.epoch().timestamp());
    HlcTimestamp now;
    if (base.state() instanceof LwwRegister lww && !lww.isEmpty()) {
      clock.receive(lww.timestamp());
      // The clock may have clamped a value's time that is far ahead of this node: the write still
      // follows what it overwrites, taking the successor of that time rather than losing.
      HlcTimestamp ticked = clock.tick();
      now = ticked.isAfter(lww.timestamp()) ? ticked : successor(lww.timestamp());
    } else {
      now = clock.tick();
    }
    Operations.Outcome outcome = Operations.apply(base.type(), base.state(), op, self, now);
    return switch (outcome) {
      case Operations.TypeMismatch m -> unchanged(new WriteResult.TypeMismatch(key, m.actual()));
      case Operations.Overflow o -> unchanged(new WriteResult.Overflow(key, o.message()));
      case Operations.Applied a -> {
        KeyRecord next = base.withState(a.state());
        if (!created && a.delta().isEmpty()) {
          yield unchanged(
              new WriteResult.Written(
                  key, next.type(), next.state(), false, null, now, a.conflicts()));
        }
        yield logged(
            (id, deps) ->
                new Committed(
                    next,
                    new LogEntry(
                        id,
                        key,
                        next.type(),
                        next.epoch(),
                        true,
                        a.delta(),
                        next.epochDot(),
                        now,
                        deps),
                    new WriteResult.Written(
                        key, next.type(), next.state(), created, id, now, a.conflicts())));
      }
    };
  }

  /** Plans a client delete of a key whose record is {@code current} (null when absent). */
  public static Plan delete(KeyRecord current, KeyRef key, ReplicaId self, Clock clock) {
    if (current == null || !current.live()) {
      return unchanged(new WriteResult.NotFound(key));
    }
    CrdtType type = current.type();
    // The new epoch must be greater than the one it ends, or the delete would lose the join (and
    // the local record would step back in the lattice: replicas would diverge). Receiving the old
    // epoch's time is not enough: the clock clamps a time too far ahead of this node's wall clock,
    // so a tick can come out below it; the delete then takes the next time after the old epoch.
    HlcTimestamp ended = current.epoch().timestamp();
    clock.receive(ended);
    HlcTimestamp ticked = clock.tick();
    HlcTimestamp now = ticked.isAfter(ended) ? ticked : successor(ended);
    Epoch epoch = new Epoch(now, self);
    return logged(
        (id, deps) ->
            new Committed(
                KeyRecord.tombstone(type, epoch, id),
                new LogEntry(id, key, type, epoch, false, type.empty(), id, now, deps),
                new WriteResult.Written(key, type, type.empty(), false, id, now, List.of())));
  }

  private static HlcTimestamp successor(HlcTimestamp t) {
    return t.logical() == Integer.MAX_VALUE
        ? new HlcTimestamp(t.wallMs() + 1, 0)
        : new HlcTimestamp(t.wallMs(), t.logical() + 1);
  }

  /**
   * The merge of an incoming record (a log entry's or a full state) into {@code current}.
   *
   * @param record the new record, or null when nothing changes
   * @param result what to report
   */
  public record MergePlan(KeyRecord record, MergeResult result) {}

  /**
   * Plans a merge. Epochs stable under {@code horizon} count as zero; a stable incoming tombstone
   * is ignored. {@code repairing} replaces a quarantined local record ({@code current} is then
   * ignored).
   */
  public static MergePlan merge(
      KeyRecord current,
      KeyRecord incoming,
      VersionVector horizon,
      boolean repairing,
      Clock clock) {
    KeyRecord in = incoming.normalize(horizon);
    if (in == null) {
      return new MergePlan(null, new MergeResult(false, false, List.of()));
    }
    KeyRecord local = repairing || current == null ? null : current.normalize(horizon);
    KeyRecord.Merged m = KeyRecord.merge(local, in);
    boolean changed = !m.record().equals(current);
    if (!changed && !repairing) {
      return new MergePlan(null, new MergeResult(false, false, m.conflicts()));
    }
    if (m.record().state() instanceof LwwRegister r && !r.isEmpty()) {
      clock.receive(r.timestamp());
    }
    if (!m.record().epoch().isZero()) {
      clock.receive(m.record().epoch().timestamp());
    }
    return new MergePlan(m.record(), new MergeResult(true, repairing, m.conflicts()));
  }
}
