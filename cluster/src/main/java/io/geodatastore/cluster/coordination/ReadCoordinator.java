package io.geodatastore.cluster.coordination;

import io.geodatastore.cluster.Cancellable;
import io.geodatastore.cluster.Env;
import io.geodatastore.cluster.NodeAddress;
import io.geodatastore.cluster.NodeId;
import io.geodatastore.cluster.RecordMessage;
import io.geodatastore.cluster.repair.RecordExchange;
import io.geodatastore.cluster.replication.LocalReplica;
import io.geodatastore.cluster.replication.Replication;
import io.geodatastore.cluster.replication.WriteLevel;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.KeyedRecord;
import io.geodatastore.storage.LogEntry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads at the levels beyond {@code eventual} (ARCHITECTURE.md, "Read path"), as a driver on the
 * node's logical thread: not thread-safe, every call and callback on that thread.
 *
 * <p><b>Merging levels</b> ({@code local_quorum}, {@code quorum}, {@code all}): the replicas are
 * those the write levels count ({@link Replication#replicas}: peers that have not left, down ones
 * included). This node reads its own record and asks every other replica for its own at once; the
 * {@link ReadRound} decides once a majority (or all) answered, joins the records, and the read is
 * answered once that many replicas hold the join — the replicas found behind are sent it (read
 * repair) and count when they acknowledge. Replicas that answer later are repaired too. At the
 * deadline the read reports what was reached.
 *
 * <p><b>Session levels</b> ({@code session}, {@code causal}): a session's token is a version vector
 * of what its earlier answers may have shown. This node answers from its own records once their
 * applied vector (what they show for certain) covers the token, waiting for replication to advance
 * up to {@code waitMs}; then it fetches the key from every other replica and answers the join once
 * the joined applied vectors of the contributors cover the token (a {@link SessionRound}), merging
 * that join locally as well (read repair). Entries of this node's own replica are always covered
 * and are left out of the wait (a token can name more of them only if forged).
 */
public final class ReadCoordinator {

  /** The most session reads that wait for replication at once; more go straight to fetching. */
  public static final int SESSION_WAITERS_MAX = 10_000;

  /**
   * How long a replica sent a read repair may wait for the join's causal past before it refuses it
   * (a delta in flight arrives well within this, across regions too; a stream stuck behind a
   * partition does not, and the read answers what it reached rather than wait out its timeout).
   */
  public static final long REPAIR_PAST_WAIT_MS_MAX = 500;

  /**
   * The most of this node's own log entries a read repair vouches for (reads them from the log on
   * the logical thread, so few): see {@link MergeRead#pastFor}.
   */
  static final int REPAIR_OWN_ENTRIES_MAX = 16;

  /** Told of every replica a read repaired (its state changed), on the logical thread. */
  @FunctionalInterface
  public interface Observer {
    void repaired(ReadLevel level, int replicas);

    Observer NONE = (level, replicas) -> {};
  }

  /** Whether a session's past was covered by this node's records. */
  public enum Coverage {
    /** Already when asked. */
    AT_ONCE,
    /** After waiting for replication. */
    AFTER_WAIT,
    /** Not within the wait. */
    NOT_COVERED
  }

  private final Env env;
  private final NodeId self;
  private final LocalReplica local;
  private final Replication replication;
  private final RecordExchange exchange;
  private final Observer observer;
  private final Set<Waiter> waiters = new LinkedHashSet<>();
  private final Set<Read> inFlight = new LinkedHashSet<>();
  private boolean stopped;
  private long repairs;

  public ReadCoordinator(
      Env env,
      NodeId self,
      LocalReplica local,
      Replication replication,
      RecordExchange exchange,
      Observer observer) {
    this.env = env;
    this.self = self;
    this.local = local;
    this.replication = replication;
    this.exchange = exchange;
    this.observer = observer;
    replication.onApplied(this::appliedAdvanced);
  }

  /**
   * The part of a session token this node waits for: the token without this replica's own entry
   * (the local records always show every write this replica made).
   */
  public VersionVector restrict(VersionVector token) {
    return token.with(local.replicaId(), 0);
  }

  /** Whether this node's records already show everything {@code token} names (any thread). */
  public static boolean covers(LocalReplica local, VersionVector token) {
    return local.appliedVector().dominates(token.with(local.replicaId(), 0));
  }

  // ---- merging levels ----

  /**
   * Reads {@code key} at a merging level; {@code done} gets the merged record, or what was reached
   * after {@code timeoutMs}.
   */
  public void read(KeyRef key, ReadLevel level, long timeoutMs, Consumer<ReadOutcome> done) {
    if (!level.merges()) {
      throw new IllegalArgumentException(level + " is a session level: use readSession");
    }
    if (stopped) {
      done.accept(new ReadOutcome.Unavailable("this node is stopping"));
      return;
    }
    WriteLevel counted = level.replicas();
    List<Replication.Replica> others = replication.replicas(counted);
    int replicas = others.size() + 1;
    ReadRound round = new ReadRound(Replication.needed(counted, replicas), replicas);
    new MergeRead(key, level, round, others, done).start(timeoutMs);
  }

  /** A read in flight, answered "unavailable" if the node stops first. */
  private abstract class Read {
    final KeyRef key;
    final ReadLevel level;
    final Consumer<ReadOutcome> done;
    Cancellable timer;
    boolean finished;

    Read(KeyRef key, ReadLevel level, Consumer<ReadOutcome> done) {
      this.key = key;
      this.level = level;
      this.done = done;
    }

    void begin(long timeoutMs, Runnable atDeadline) {
      inFlight.add(this);
      timer = env.schedule(timeoutMs, atDeadline);
    }

    void finish(ReadOutcome outcome) {
      if (finished) {
        return;
      }
      finished = true;
      inFlight.remove(this);
      if (timer != null) {
        timer.cancel();
      }
      done.accept(outcome);
    }

    void repairedLocally(int changed) {
      if (changed > 0) {
        repairs++;
        observer.repaired(level, 1);
      }
    }
  }

  private final class MergeRead extends Read {
    final ReadRound round;
    final List<Replication.Replica> others;
    final Map<NodeId, NodeAddress> addresses = new LinkedHashMap<>();
    long deadlineMs;

    /** This node's applied vector before it read its record: the record shows all of it. */
    VersionVector selfApplied = VersionVector.EMPTY;

    MergeRead(
        KeyRef key,
        ReadLevel level,
        ReadRound round,
        List<Replication.Replica> others,
        Consumer<ReadOutcome> done) {
      super(key, level, done);
      this.round = round;
      this.others = others;
    }

    void start(long timeoutMs) {
      deadlineMs = env.nowMs() + timeoutMs;
      begin(timeoutMs, () -> finish(new ReadOutcome.Unavailable(round.reached())));
      for (Replication.Replica p : others) {
        if (p.address() != null) { // else not reported by membership yet: counted, not asked
          addresses.put(p.id(), p.address());
        }
      }
      if (1 + addresses.size() < round.needed()) {
        // Too few replicas can even be asked: say so now rather than at the deadline.
        finish(
            new ReadOutcome.Unavailable(
                round.reached()
                    + "; "
                    + (others.size() - addresses.size())
                    + " of them not reported by membership yet, so not asked"));
        return;
      }
      selfApplied = local.appliedVector();
      local.readRecords(
          List.of(key),
          read -> {
            KeyRecord r = read.found().isEmpty() ? null : read.found().getFirst().record();
            answered(
                self,
                new ReadRound.Answer(
                    r, !read.unreadable().isEmpty(), local.coverage(), selfApplied));
          });
      addresses.forEach(
          (id, address) ->
              exchange.fetch(
                  address,
                  List.of(key),
                  timeoutMs,
                  answer -> answer.ifPresent(a -> answeredRemotely(id, a))));
    }

    private void answeredRemotely(NodeId from, RecordMessage.Records a) {
      if (a.deferred().contains(key)) {
        return; // cannot happen for one key (the first record always fits): no answer
      }
      KeyRecord r = a.found().isEmpty() ? null : a.found().getFirst().record();
      answered(
          from, new ReadRound.Answer(r, a.unreadable().contains(key), a.covers(), a.applied()));
    }

    private void answered(NodeId from, ReadRound.Answer a) {
      if (round.answer(from, a)) {
        repair(from); // a late answer, behind the join
      }
      if (round.canDecide()) {
        for (NodeId behind : round.decide()) {
          repair(behind);
        }
      }
      check();
    }

    private void check() {
      if (finished || !round.decided()) {
        return;
      }
      if (round.onlyCorrupt()) {
        finish(new ReadOutcome.Quarantined(round.covers()));
      } else if (round.met()) {
        finish(
            new ReadOutcome.Served(
                round.merged(), round.covers(), ReadOutcome.How.MERGED, round.repairsSent()));
      }
    }

    private void repair(NodeId id) {
      List<KeyedRecord> rec = List.of(new KeyedRecord(key, round.merged()));
      if (id.equals(self)) {
        local.mergeRecords(
            rec,
            round.covers(),
            changed -> {
              if (changed >= 0) {
                round.repaired(self);
                repairedLocally(changed);
                check();
              }
            });
        return;
      }
      long remainingMs = Math.max(1, deadlineMs - env.nowMs());
      exchange.push(
          addresses.get(id),
          rec,
          round.covers(),
          pastFor(id),
          Math.min(remainingMs, REPAIR_PAST_WAIT_MS_MAX),
          remainingMs,
          ack ->
              ack.ifPresent(
                  k -> {
                    if (k.ok()) {
                      round.repaired(id);
                      if (k.changed() > 0) {
                        repairs++;
                        observer.repaired(level, 1);
                      }
                      check();
                    } else {
                      round.refused(id);
                      if (!finished && round.hopeless(1 + addresses.size())) {
                        finish(new ReadOutcome.Unavailable(round.reached()));
                      }
                    }
                  }));
    }

    /**
     * What replica {@code id} must have applied before it merges the join: everything the join may
     * reflect, except this node's own entries that the join carries itself. The pushed record is a
     * full state, so it brings those entries along; their own causal past is this node's earlier
     * entries (which the replica has, up to where it is behind) and what this node had seen of
     * other origins (in the covers, still waited for). Without this, the replica would wait until
     * replication delivered the very write being repaired, and the repair would change nothing
     * (measured: every push of the read-repair benchmark, each after a ~10 ms wait).
     *
     * <p>Vouched for only when every entry of this node's own that the replica lacks, up to what
     * the join covers, is an entry of this key that this node's record (taken into the join)
     * already showed when read, and few enough to read from the log here.
     */
    private VersionVector pastFor(NodeId id) {
      VersionVector covers = round.covers();
      ReadRound.Answer theirs = round.answerOf(id);
      ReplicaId me = local.replicaId();
      long has = theirs == null ? 0 : theirs.applied().get(me);
      long through = covers.get(me);
      if (through <= has) {
        return covers;
      }
      if (!round.joinHolds(self)
          || through > selfApplied.get(me)
          || through - has > REPAIR_OWN_ENTRIES_MAX) {
        return covers;
      }
      List<LogEntry> entries = local.readLog(has + 1, (int) (through - has), Long.MAX_VALUE);
      long expected = has + 1;
      for (LogEntry e : entries) {
        if (e.id().counter() != expected || !e.key().equals(key)) {
          return covers;
        }
        expected++;
      }
      return expected == through + 1 ? covers.with(me, has) : covers;
    }
  }

  // ---- session levels ----

  /**
   * Reads {@code key} for a session that saw {@code token}: from this node's records once they
   * cover it (waiting up to {@code waitMs}), else from the join of replicas' records that cover it,
   * or unavailable after {@code timeoutMs} in all.
   */
  public void readSession(
      KeyRef key,
      ReadLevel level,
      VersionVector token,
      long waitMs,
      long timeoutMs,
      Consumer<ReadOutcome> done) {
    if (level.merges()) {
      throw new IllegalArgumentException(level + " is a merging level: use read");
    }
    VersionVector past = restrict(token);
    long deadlineMs = env.nowMs() + timeoutMs;
    awaitCovered(
        past,
        Math.min(waitMs, timeoutMs),
        coverage -> {
          long remainingMs = Math.max(0, deadlineMs - env.nowMs());
          new SessionRead(key, level, past, waitMs, done).start(coverage, remainingMs);
        });
  }

  private final class SessionRead extends Read {
    final VersionVector past;
    final long waitMs;
    SessionRound round;
    KeyRecord localRecord;
    boolean localUnreadable;
    int asked;
    int answered;

    SessionRead(
        KeyRef key, ReadLevel level, VersionVector past, long waitMs, Consumer<ReadOutcome> done) {
      super(key, level, done);
      this.past = past;
      this.waitMs = waitMs;
    }

    void start(Coverage coverage, long timeoutMs) {
      begin(timeoutMs, () -> finish(unavailable()));
      if (stopped) {
        finish(new ReadOutcome.Unavailable("this node is stopping"));
        return;
      }
      round = new SessionRound(past);
      // Taken before the read: the record shows at least what it names.
      VersionVector applied = local.appliedVector();
      local.readRecords(
          List.of(key),
          read -> {
            localUnreadable = !read.unreadable().isEmpty();
            localRecord = read.found().isEmpty() ? null : read.found().getFirst().record();
            if (!localUnreadable) {
              round.add(localRecord, applied, local.coverage());
            }
            if (!localUnreadable && round.covered()) {
              ReadOutcome.How how =
                  coverage == Coverage.AT_ONCE ? ReadOutcome.How.LOCAL : ReadOutcome.How.WAITED;
              finish(new ReadOutcome.Served(localRecord, round.covers(), how, 0));
            } else {
              fetch(timeoutMs);
            }
          });
    }

    private void fetch(long timeoutMs) {
      for (Replication.Replica p : replication.replicas(WriteLevel.ALL)) {
        if (p.address() != null) {
          asked++;
          exchange.fetch(
              p.address(), List.of(key), timeoutMs, answer -> answered(answer.orElse(null)));
        }
      }
      if (asked == 0) {
        finish(unavailable());
      }
    }

    private void answered(RecordMessage.Records a) {
      answered++;
      if (finished) {
        return;
      }
      if (a != null && !a.unreadable().contains(key) && !a.deferred().contains(key)) {
        KeyRecord r = a.found().isEmpty() ? null : a.found().getFirst().record();
        round.add(r, a.applied(), a.covers());
      }
      if (round.covered()) {
        KeyRecord merged = round.merged();
        boolean behind =
            merged != null
                && (localUnreadable
                    || KeyRecord.merge(localRecord, merged).record() != localRecord);
        finish(
            new ReadOutcome.Served(
                merged, round.covers(), ReadOutcome.How.FETCHED, behind ? 1 : 0));
        if (behind) {
          local.mergeRecords(
              List.of(new KeyedRecord(key, merged)), round.covers(), this::repairedLocally);
        }
      } else if (answered == asked) {
        finish(unavailable());
      }
    }

    private ReadOutcome unavailable() {
      return new ReadOutcome.Unavailable(
          "this node had not applied everything the session saw within "
              + waitMs
              + " ms"
              + (localUnreadable ? " (and its copy of the key is quarantined)" : "")
              + ", and "
              + (asked == 0
                  ? "no other replica is known"
                  : "none of the " + asked + " replicas asked (" + answered + " answered) had it")
              + "; missing "
              + (round == null ? "?" : round.missing()));
    }
  }

  /**
   * Calls {@code done} once this node's records show everything {@code token} names (this replica's
   * own entry aside), or with {@link Coverage#NOT_COVERED} after {@code waitMs}. For listings,
   * which cannot be fetched from other replicas, and for callers that read the store themselves
   * once covered.
   */
  public void awaitCovered(VersionVector token, long waitMs, Consumer<Coverage> done) {
    VersionVector past = restrict(token);
    if (local.appliedVector().dominates(past)) {
      done.accept(Coverage.AT_ONCE);
      return;
    }
    if (stopped || waitMs <= 0 || waiters.size() >= SESSION_WAITERS_MAX) {
      done.accept(Coverage.NOT_COVERED);
      return;
    }
    Waiter w = new Waiter(past, done);
    waiters.add(w);
    w.timer =
        env.schedule(
            waitMs,
            () -> {
              if (waiters.remove(w)) {
                w.done.accept(Coverage.NOT_COVERED);
              }
            });
  }

  /** Replication moved an applied watermark: answer the waits it covers. */
  private void appliedAdvanced() {
    if (waiters.isEmpty()) {
      return;
    }
    VersionVector applied = local.appliedVector();
    List<Waiter> ready = new ArrayList<>();
    for (Waiter w : waiters) {
      if (applied.dominates(w.past)) {
        ready.add(w);
      }
    }
    for (Waiter w : ready) {
      waiters.remove(w);
      w.timer.cancel();
      w.done.accept(Coverage.AFTER_WAIT);
    }
  }

  private static final class Waiter {
    final VersionVector past;
    final Consumer<Coverage> done;
    Cancellable timer;

    Waiter(VersionVector past, Consumer<Coverage> done) {
      this.past = past;
      this.done = done;
    }
  }

  // ---- lifecycle and figures ----

  /** Stops: waits end uncovered, reads in flight are answered unavailable. */
  public void stop() {
    stopped = true;
    List<Waiter> waiting = List.copyOf(waiters);
    waiters.clear();
    for (Waiter w : waiting) {
      w.timer.cancel();
      w.done.accept(Coverage.NOT_COVERED);
    }
    for (Read r : List.copyOf(inFlight)) {
      r.finish(new ReadOutcome.Unavailable("this node stopped"));
    }
  }

  /** Replicas repaired by reads so far (their state changed). */
  public long repairs() {
    return repairs;
  }

  /** Session reads waiting for replication now. */
  public int waiting() {
    return waiters.size();
  }
}
