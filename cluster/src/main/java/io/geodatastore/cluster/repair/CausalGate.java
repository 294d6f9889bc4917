package io.geodatastore.cluster.repair;

import io.geodatastore.cluster.Cancellable;
import io.geodatastore.cluster.Env;
import io.geodatastore.cluster.replication.LocalReplica;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Holds full records from a peer back until the local replica has applied what they may depend on.
 *
 * <p>Deltas are delivered causally, so the local state is always closed under causality. A full
 * record bypasses the delta streams: it may show an update of origin X whose causal past includes
 * entries of origin Y this replica has not applied yet. So before records that reflect at most
 * {@code covers} are merged, the gate waits until the replica's applied vector covers {@code
 * covers} for every origin other than this replica itself. Waiting records are looked at again
 * whenever replication reports that the applied vector moved ({@link #appliedAdvanced}), and every
 * {@link #POLL_MS} besides (for their deadlines, and for drivers that do not report moves): a
 * record set that waits for a delta in flight goes on as soon as that delta is durable, not at the
 * next poll (read repair waited for the poll on every push that found a replica behind).
 *
 * <p>The wait is bounded by {@code waitMaxMs}: an origin that is gone for good (or a stream stuck
 * behind a partition) must not block repair forever. When the time runs out the records are merged
 * anyway (a <i>forced</i> merge, counted), and the gate remembers how far it gave up per origin, so
 * that later records needing no more of that origin do not wait again.
 *
 * <p>A caller that cannot wait that long (read repair, whose read has a deadline) gives its own
 * bound and is told when it runs out instead of having the records forced in ({@link #admit(
 * VersionVector, long, Runnable, Runnable)}): the replica stays causally closed, and the read
 * answers with the level it reached.
 *
 * <p>Bounded: at most {@code waitersMax} record sets wait at once; {@link #admit} refuses more.
 */
public final class CausalGate {

  /** How often waiting records look at the applied vector again. */
  static final long POLL_MS = 10;

  private final Env env;
  private final LocalReplica local;
  private final long waitMaxMs;
  private final int waitersMax;
  private final List<Waiter> waiters = new ArrayList<>();
  private final Map<ReplicaId, Long> forcedThrough = new HashMap<>();
  private Cancellable poll;
  private long immediate;
  private long delayed;
  private long forced;
  private long refused;

  /** Records waiting; {@code expired} is null when they are forced in at the deadline. */
  private record Waiter(VersionVector covers, long deadlineMs, Runnable then, Runnable expired) {}

  /**
   * @param waitMaxMs how long records may wait at most (0: never wait; merges that would have had
   *     to wait count as forced)
   * @param waitersMax how many record sets may wait at once
   */
  public CausalGate(Env env, LocalReplica local, long waitMaxMs, int waitersMax) {
    if (waitMaxMs < 0 || waitersMax < 1) {
      throw new IllegalArgumentException("waitMaxMs >= 0 and waitersMax >= 1");
    }
    this.env = env;
    this.local = local;
    this.waitMaxMs = waitMaxMs;
    this.waitersMax = waitersMax;
  }

  /**
   * Runs {@code then} (on the logical thread) once the local replica has applied {@code covers}, or
   * once the wait runs out. Returns false, without running it, when too many record sets are
   * waiting already (the caller refuses the records; the sender will try again).
   */
  public boolean admit(VersionVector covers, Runnable then) {
    if (covered(covers)) {
      immediate++;
      then.run();
      return true;
    }
    if (waitMaxMs == 0) {
      force(covers);
      then.run();
      return true;
    }
    return await(new Waiter(covers, env.nowMs() + waitMaxMs, then, null));
  }

  /**
   * As {@link #admit(VersionVector, Runnable)}, but waits at most {@code waitMs} (and never longer
   * than the gate's own bound), and then runs {@code expired} instead of forcing the records in:
   * for callers with a deadline of their own, which would rather report what they reached than
   * break the replica's causal closure. A gate that never waits ({@code waitMaxMs} 0) forces the
   * records in at once here too: that is its operator's choice.
   */
  public boolean admit(VersionVector covers, long waitMs, Runnable then, Runnable expired) {
    if (covered(covers) || waitMaxMs == 0) {
      return admit(covers, then);
    }
    long boundMs = Math.min(waitMs, waitMaxMs);
    if (boundMs <= 0) {
      refused++;
      expired.run();
      return true;
    }
    return await(new Waiter(covers, env.nowMs() + boundMs, then, expired));
  }

  private boolean await(Waiter w) {
    if (waiters.size() >= waitersMax) {
      return false;
    }
    waiters.add(w);
    if (poll == null) {
      poll = env.schedule(POLL_MS, this::poll);
    }
    return true;
  }

  /**
   * The local replica's applied vector moved (replication merged deltas durably): records that
   * waited for them go on now.
   */
  public void appliedAdvanced() {
    if (!waiters.isEmpty()) {
      check();
    }
  }

  private void poll() {
    poll = null;
    check();
    if (!waiters.isEmpty() && poll == null) {
      poll = env.schedule(POLL_MS, this::poll);
    }
  }

  private void check() {
    long now = env.nowMs();
    List<Runnable> next = new ArrayList<>();
    waiters.removeIf(
        w -> {
          if (covered(w.covers)) {
            delayed++;
            next.add(w.then);
            return true;
          }
          if (now < w.deadlineMs) {
            return false;
          }
          if (w.expired == null) {
            force(w.covers);
            next.add(w.then);
          } else {
            refused++;
            next.add(w.expired);
          }
          return true;
        });
    next.forEach(Runnable::run);
  }

  private boolean covered(VersionVector covers) {
    VersionVector applied = local.appliedVector();
    ReplicaId self = local.replicaId();
    boolean[] ok = {true};
    covers.forEach(
        (origin, seq) -> {
          if (ok[0]
              && !origin.equals(self)
              && seq > Math.max(applied.get(origin), forcedThrough.getOrDefault(origin, 0L))) {
            ok[0] = false;
          }
        });
    return ok[0];
  }

  private void force(VersionVector covers) {
    forced++;
    ReplicaId self = local.replicaId();
    covers.forEach(
        (origin, seq) -> {
          if (!origin.equals(self)) {
            forcedThrough.merge(origin, seq, Math::max);
          }
        });
  }

  /** Drops every waiting record set without merging it (the node is stopping). */
  public void stop() {
    waiters.clear();
    if (poll != null) {
      poll.cancel();
      poll = null;
    }
  }

  /** Record sets merged at once: the replica had applied what they may depend on. */
  public long immediateMerges() {
    return immediate;
  }

  /** Record sets that waited, then merged once the replica had caught up. */
  public long delayedMerges() {
    return delayed;
  }

  /** Record sets merged when the wait ran out, before the replica had applied their past. */
  public long forcedMerges() {
    return forced;
  }

  /** Record sets whose caller's own bound ran out before their past was applied: not merged. */
  public long refusedMerges() {
    return refused;
  }

  /** Record sets waiting now. */
  public int waiting() {
    return waiters.size();
  }
}
