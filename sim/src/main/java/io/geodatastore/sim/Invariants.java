package io.geodatastore.sim;

import io.geodatastore.cluster.MemberInfo;
import io.geodatastore.cluster.MemberState;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.GCounter;
import io.geodatastore.core.crdt.GSet;
import io.geodatastore.core.crdt.LwwRegister;
import io.geodatastore.core.crdt.MvRegister;
import io.geodatastore.core.crdt.OrSet;
import io.geodatastore.core.crdt.PnCounter;
import io.geodatastore.core.crdt.TwoPhaseSet;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.Epoch;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.WriteResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The checks run after a simulation has healed and gone quiet. Each returns the violations it
 * found, as sentences; none means the run is correct.
 *
 * <p>The model of one key: the logged delete with the greatest epoch ({@code Dmax}, when any)
 * decides the epoch everything converges to; the writes that survive are the logged writes that saw
 * {@code Dmax} (its entry was merged at their node before they were issued), or every logged write
 * when nothing was deleted. Writes concurrent with {@code Dmax} lose to it wholesale, as do writes
 * before it. From the survivors {@code S}:
 *
 * <ul>
 *   <li>the key is live iff {@code S} is non-empty, in {@code Dmax}'s epoch;
 *   <li>counters: acknowledged increments minus acknowledged decrements, within the bounds the
 *       unacknowledged ones allow;
 *   <li>G-Set: every element an add in {@code S} carried; 2P-Set: those, less every element a
 *       remove in {@code S} removed after seeing an add of it; OR-Set (add wins): an element is
 *       present iff some add of it in {@code S} was not seen by a remove in {@code S}, directly or
 *       through later adds of it that saw it;
 *   <li>LWW: the value of the write in {@code S} with the greatest (HLC time, replica);
 *   <li>MV: every write in {@code S} no other write in {@code S} saw is among the values, and every
 *       value was written by a write in {@code S}.
 * </ul>
 *
 * <p>Garbage collection forgets epochs whose delete is causally stable: an operation's epoch is
 * taken as if nothing had been forgotten (see {@code Simulation.epochAfter}), and a converged
 * record is expected in the zero epoch when the horizon includes {@code Dmax}. Causal stability is
 * checked while the cluster runs: no horizon passes an entry some replica lacks (a skipped range
 * included), nor an entry issued without having seen what the horizon includes that some replica
 * lacks; and once healed, every horizon reaches every origin's last entry and collection leaves no
 * tombstone and no epoch behind.
 */
final class Invariants {

  private Invariants() {}

  /** Every replica holds the same records. */
  static List<String> replicasEqual(List<SimNode> nodes) {
    List<String> out = new ArrayList<>();
    Map<KeyRef, KeyRecord> ref = nodes.getFirst().replica().records();
    for (SimNode n : nodes.subList(1, nodes.size())) {
      Map<KeyRef, KeyRecord> other = n.replica().records();
      Set<KeyRef> keys = new TreeSet<>(Comparator.comparing(KeyRef::toString));
      keys.addAll(ref.keySet());
      keys.addAll(other.keySet());
      for (KeyRef k : keys) {
        if (!Objects.equals(ref.get(k), other.get(k))) {
          out.add(
              "replicas differ on "
                  + k
                  + ": "
                  + nodes.getFirst().id()
                  + " has "
                  + ref.get(k)
                  + ", "
                  + n.id()
                  + " has "
                  + other.get(k));
        }
      }
    }
    return out;
  }

  /** Every up node's view lists every up node alive. */
  static List<String> membershipConverged(List<SimNode> nodes) {
    List<String> out = new ArrayList<>();
    for (SimNode o : nodes) {
      if (!o.isUp()) {
        continue;
      }
      for (SimNode m : nodes) {
        if (m == o || !m.isUp()) {
          continue;
        }
        MemberState s = o.membership().member(m.id()).map(MemberInfo::state).orElse(null);
        if (s != MemberState.ALIVE) {
          out.add(o.id() + " sees " + m.id() + " as " + s);
        }
      }
    }
    return out;
  }

  /** Every entry is acknowledged by everyone, so every log is trimmed to nothing. */
  static List<String> logsTrimmed(List<SimNode> nodes) {
    List<String> out = new ArrayList<>();
    for (SimNode n : nodes) {
      MemoryReplica r = n.replica();
      if (r.lastSequence() > 0 && (r.logSize() > 0 || r.trimmedThrough() != r.lastSequence())) {
        out.add(
            n.id()
                + " still holds "
                + r.logSize()
                + " log entries (trimmed through "
                + r.trimmedThrough()
                + " of "
                + r.lastSequence()
                + ")");
      }
    }
    return out;
  }

  /** No stream fell behind retention and no watermark jumped over unmerged entries. */
  static List<String> noCatchUp(List<SimNode> nodes) {
    List<String> out = new ArrayList<>();
    for (SimNode n : nodes) {
      if (n.catchUpsNeeded() > 0) {
        out.add(n.id() + " needed anti-entropy catch-up " + n.catchUpsNeeded() + " times");
      }
      for (String s : n.replica().skipped()) {
        out.add("entries skipped without merging: " + s);
      }
    }
    return out;
  }

  /**
   * The scenario {@code DeltasLostTo(victim)} did what it says: the victim merged no entry of any
   * other origin (everything it holds of theirs came by anti-entropy).
   */
  static List<String> noDeltasReached(List<SimNode> nodes, int victim) {
    List<String> out = new ArrayList<>();
    SimNode v = nodes.get(victim);
    for (SimNode o : nodes) {
      long merged = v.replica().merged(o.replica().replicaId());
      if (o != v && merged > 0) {
        out.add(v.id() + " merged " + merged + " entries of " + o.id() + " despite the drop rule");
      }
    }
    return out;
  }

  /**
   * The scenario {@code RegionCutOff} did what it says: some stream fell behind the logs' retention
   * and skipped entries (which anti-entropy then had to bring, and cover).
   */
  static List<String> caughtUp(List<SimNode> nodes) {
    long skips = 0;
    for (SimNode n : nodes) {
      skips += n.replica().skipped().size();
    }
    return skips > 0
        ? List.of()
        : List.of("no stream skipped entries: the scenario tested nothing");
  }

  // ---- causal stability ----

  /** Ranges skipped and not yet repaired, over every node. */
  static int holes(List<SimNode> nodes) {
    int n = 0;
    for (SimNode y : nodes) {
      for (List<long[]> ranges : y.replication().stability().holes().values()) {
        n += ranges.size();
      }
    }
    return n;
  }

  /** No node's horizon reaches into a range some replica skipped. */
  static List<String> horizonBelowHoles(List<SimNode> nodes) {
    List<String> out = new ArrayList<>();
    for (SimNode y : nodes) {
      y.replication()
          .stability()
          .holes()
          .forEach(
              (origin, ranges) -> {
                for (SimNode x : nodes) {
                  long g = x.replica().horizon().get(origin);
                  if (g >= ranges.getFirst()[0]) {
                    out.add(
                        x.id()
                            + "'s horizon "
                            + origin
                            + ":"
                            + g
                            + " reaches into the range "
                            + ranges.getFirst()[0]
                            + ".."
                            + ranges.getFirst()[1]
                            + " "
                            + y.id()
                            + " skipped");
                  }
                }
              });
    }
    return out;
  }

  /** Whatever a horizon includes, every replica has (merged, or brought by anti-entropy). */
  static List<String> horizonSeenEverywhere(List<SimNode> nodes) {
    List<String> out = new ArrayList<>();
    for (SimNode x : nodes) {
      x.replica()
          .horizon()
          .forEach(
              (origin, g) -> {
                for (SimNode y : nodes) {
                  if (y.replica().seen(origin) < g) {
                    out.add(
                        x.id()
                            + "'s horizon includes "
                            + origin
                            + ":"
                            + g
                            + " but "
                            + y.id()
                            + " has only up to "
                            + y.replica().seen(origin));
                  }
                }
              });
    }
    return out;
  }

  /**
   * Every logged operation issued without having seen an entry some horizon includes is at every
   * replica: otherwise it could still arrive after the tombstones it should lose to are gone.
   */
  static List<String> horizonFenced(History history, List<SimNode> nodes) {
    List<String> out = new ArrayList<>();
    long[] highest = new long[nodes.size()];
    for (SimNode x : nodes) {
      for (int i = 0; i < nodes.size(); i++) {
        highest[i] =
            Math.max(highest[i], x.replica().horizon().get(nodes.get(i).replica().replicaId()));
      }
    }
    for (History.Op e : history.ops()) {
      if (e.logId() == null) {
        continue;
      }
      for (int i = 0; i < nodes.size(); i++) {
        if (e.seen()[i] >= highest[i]) {
          continue;
        }
        for (SimNode y : nodes) {
          if (y.replica().seen(e.replica()) < e.logId().counter()) {
            out.add(
                e
                    + " did not see "
                    + nodes.get(i).replica().replicaId()
                    + ":"
                    + highest[i]
                    + ", which a horizon includes, and is not at "
                    + y.id());
          }
        }
        break;
      }
    }
    return out;
  }

  /** A node's members and their {complete, fence} of its log, for failure reports. */
  static String describeMembers(SimNode n) {
    StringBuilder b = new StringBuilder("{");
    n.replication()
        .stability()
        .members()
        .forEach(
            (id, m) -> b.append(id).append('=').append(m[0]).append('/').append(m[1]).append(' '));
    return b.append('}').toString();
  }

  /** Every node's horizon reaches every origin's last entry. */
  static List<String> horizonsSettled(List<SimNode> nodes) {
    List<String> out = new ArrayList<>();
    for (SimNode x : nodes) {
      for (SimNode o : nodes) {
        long g = x.replica().horizon().get(o.replica().replicaId());
        if (g != o.replica().lastSequence()) {
          out.add(
              x.id()
                  + "'s horizon of "
                  + o.id()
                  + " is "
                  + g
                  + ", its last entry "
                  + o.replica().lastSequence());
        }
      }
    }
    return out;
  }

  /** After the final collection no replica holds a tombstone or a non-zero epoch. */
  static List<String> collected(List<SimNode> nodes) {
    List<String> out = new ArrayList<>();
    for (SimNode n : nodes) {
      n.replica()
          .records()
          .forEach(
              (k, r) -> {
                if (!r.live() || !r.epoch().isZero()) {
                  out.add(n.id() + " still holds " + k + " as " + r + " after collection");
                }
              });
    }
    return out;
  }

  /**
   * A key whose last logged operation is a delete that saw every other logged operation on the key
   * is absent at every replica: deleted keys never come back.
   */
  static List<String> deletedStayDeleted(History history, List<SimNode> nodes) {
    List<String> out = new ArrayList<>();
    Set<KeyRef> keys = new HashSet<>();
    history.ops().forEach(o -> keys.add(o.key()));
    for (KeyRef key : keys) {
      History.Op last = null;
      for (History.Op o : history.of(key)) {
        if (o.logId() != null) {
          last = o;
        }
      }
      if (last == null || !last.isDelete()) {
        continue;
      }
      boolean sawAll = true;
      for (History.Op o : history.of(key)) {
        if (o != last && o.logId() != null && !last.saw(o)) {
          sawAll = false;
          break;
        }
      }
      if (!sawAll) {
        continue;
      }
      for (SimNode n : nodes) {
        KeyRecord r = n.replica().records().get(key);
        if (r != null && r.live()) {
          out.add(key + " came back at " + n.id() + " after its last delete " + last + ": " + r);
        }
      }
    }
    out.sort(Comparator.naturalOrder());
    return out;
  }

  /** The converged record of every key agrees with the model of its history. */
  static List<String> history(
      History history,
      Map<KeyRef, KeyRecord> records,
      io.geodatastore.core.causal.VersionVector horizon) {
    List<String> out = new ArrayList<>();
    Set<KeyRef> keys = new HashSet<>();
    history.ops().forEach(o -> keys.add(o.key()));
    for (KeyRef key : keys) {
      List<String> v = checkKey(key, history.of(key), records.get(key), horizon);
      for (String s : v) {
        out.add(key + ": " + s);
      }
    }
    out.sort(Comparator.naturalOrder());
    return out;
  }

  private static List<String> checkKey(
      KeyRef key,
      List<History.Op> ops,
      KeyRecord rec,
      io.geodatastore.core.causal.VersionVector horizon) {
    List<String> out = checkModel(key, ops, rec, horizon);
    if (!out.isEmpty()) {
      // The key's history, to read the failure without replaying it.
      StringBuilder b = new StringBuilder("history:");
      for (History.Op o : ops.subList(Math.max(0, ops.size() - 40), ops.size())) {
        b.append("\n      ").append(o).append(" in ").append(o.epoch());
        b.append(" seen ").append(java.util.Arrays.toString(o.seen()));
      }
      out.add(b.toString());
    }
    return out;
  }

  private static List<String> checkModel(
      KeyRef key,
      List<History.Op> ops,
      KeyRecord rec,
      io.geodatastore.core.causal.VersionVector horizon) {
    List<String> out = new ArrayList<>();
    History.Op dmax = null;
    for (History.Op o : ops) {
      if (o.isDelete()
          && o.logId() != null
          && (dmax == null || o.deleteEpoch().compareTo(dmax.deleteEpoch()) > 0)) {
        dmax = o;
      }
    }
    Epoch epoch = dmax == null ? Epoch.ZERO : dmax.deleteEpoch();
    List<History.Op> survivors = new ArrayList<>();
    for (History.Op o : ops) {
      if (o.logId() == null) {
        continue;
      }
      if (dmax != null && o.saw(dmax) && o.epoch().compareTo(epoch) < 0) {
        out.add(o + " saw the last delete " + dmax + " but went into the older " + o.epoch());
      }
      if (!o.isDelete() && o.epoch().equals(epoch)) {
        survivors.add(o);
      }
    }
    boolean live = rec != null && rec.live();
    if (live != !survivors.isEmpty()) {
      out.add(
          (live ? "live" : "absent")
              + " but "
              + survivors.size()
              + " writes survive the last delete "
              + dmax
              + "; record "
              + rec);
      return out;
    }
    Epoch stored = dmax != null && horizon.contains(dmax.logId()) ? Epoch.ZERO : epoch;
    if (rec != null && !rec.epoch().equals(stored)) {
      out.add("in " + rec.epoch() + ", expected " + stored + " of " + dmax);
    }
    if (!live) {
      return out;
    }
    switch (rec.state()) {
      case GCounter g -> checkCounter(survivors, ops, dmax, g.value(), out);
      case PnCounter p -> checkCounter(survivors, ops, dmax, p.value(), out);
      case GSet s -> checkGrowSet(survivors, s.value(), out);
      case TwoPhaseSet s -> checkTwoPhaseSet(survivors, s.value(), out);
      case OrSet s -> checkOrSet(survivors, s.value(), out);
      case LwwRegister r -> checkLww(survivors, r, out);
      case MvRegister r -> checkMv(survivors, r.values(), out);
    }
    if (rec.type() != expectedType(key, survivors)) {
      out.add("type " + rec.type() + ", expected " + expectedType(key, survivors));
    }
    return out;
  }

  private static CrdtType expectedType(KeyRef key, List<History.Op> survivors) {
    for (History.Op o : survivors) {
      if (o.op() instanceof Operation.Create c) {
        return c.type();
      }
    }
    return key.family().defaultType();
  }

  private static void checkCounter(
      List<History.Op> survivors,
      List<History.Op> all,
      History.Op dmax,
      long value,
      List<String> out) {
    long acked = 0;
    long unackedUp = 0;
    long unackedDown = 0;
    for (History.Op o : survivors) {
      long delta =
          switch (o.inner()) {
            case Operation.Increment i -> i.amount();
            case Operation.Decrement d -> -d.amount();
            case null, default -> 0;
          };
      if (o.acknowledged()) {
        acked += delta;
      } else if (delta > 0) {
        unackedUp += delta;
      } else {
        unackedDown += delta;
      }
    }
    if (value < acked + unackedDown || value > acked + unackedUp) {
      out.add(
          "counter is "
              + value
              + ", expected "
              + acked
              + " acknowledged (within ["
              + unackedDown
              + ", +"
              + unackedUp
              + "] unacknowledged) after "
              + dmax
              + " over "
              + all.size()
              + " operations");
    }
  }

  private static void checkGrowSet(List<History.Op> s, List<String> value, List<String> out) {
    Set<String> expected = new TreeSet<>();
    for (History.Op o : s) {
      if (o.inner() instanceof Operation.Add a) {
        expected.addAll(a.elements());
      }
    }
    if (!expected.equals(new TreeSet<>(value))) {
      out.add("g_set holds " + value + ", expected " + expected);
    }
  }

  private static void checkTwoPhaseSet(List<History.Op> s, List<String> value, List<String> out) {
    // A remove is effective only where the element is live: where the remover saw an add of it.
    // (A logged remove is not enough: an operation that re-creates a deleted key always logs.)
    Set<String> expected = new TreeSet<>();
    Set<String> removed = new TreeSet<>();
    for (History.Op a : s) {
      if (!(a.inner() instanceof Operation.Add add)) {
        continue;
      }
      expected.addAll(add.elements());
      for (History.Op r : s) {
        if (r.inner() instanceof Operation.Remove rm && r.saw(a)) {
          for (String e : rm.elements()) {
            if (add.elements().contains(e)) {
              removed.add(e);
            }
          }
        }
      }
    }
    expected.removeAll(removed);
    if (!expected.equals(new TreeSet<>(value))) {
      out.add("two_phase_set holds " + value + ", expected " + expected);
    }
  }

  private static void checkOrSet(List<History.Op> s, List<String> value, List<String> out) {
    Set<String> expected = new TreeSet<>();
    Set<String> added = new TreeSet<>();
    for (History.Op a : s) {
      if (!(a.inner() instanceof Operation.Add add)) {
        continue;
      }
      for (String e : add.elements()) {
        added.add(e);
        if (!removed(a, e, s)) {
          expected.add(e);
        }
      }
    }
    Set<String> actual = new TreeSet<>(value);
    if (!actual.containsAll(expected)) {
      out.add("or_set holds " + value + ", but add-wins requires " + expected);
    }
    if (!added.containsAll(actual)) {
      out.add("or_set holds " + value + ", more than was added: " + added);
    }
    if (!expected.equals(actual)) {
      out.add("or_set holds " + value + ", expected exactly " + expected);
    }
  }

  /**
   * Whether the dot of add {@code a} of {@code e} is removed: some remove of {@code e} saw it, or
   * saw a later add of {@code e} that saw it (an OR-Set add replaces the dots of the element it
   * sees, and its delta's context carries them, so a remove of the later add covers the earlier).
   */
  private static boolean removed(History.Op a, String e, List<History.Op> s) {
    Set<History.Op> covering = new HashSet<>();
    List<History.Op> frontier = new ArrayList<>(List.of(a));
    while (!frontier.isEmpty()) {
      History.Op x = frontier.removeLast();
      for (History.Op o : s) {
        if (o == x || covering.contains(o) || !o.saw(x)) {
          continue;
        }
        if (o.inner() instanceof Operation.Remove rm && rm.elements().contains(e)) {
          return true;
        }
        if (o.inner() instanceof Operation.Add ad && ad.elements().contains(e)) {
          covering.add(o);
          frontier.add(o);
        }
      }
    }
    return false;
  }

  private static void checkLww(List<History.Op> s, LwwRegister r, List<String> out) {
    History.Op winner = null;
    for (History.Op o : s) {
      if (!(o.inner() instanceof Operation.Write)) {
        continue;
      }
      if (winner == null || compareWrites(o, winner) > 0) {
        winner = o;
      }
    }
    String expected = winner == null ? null : ((Operation.Write) winner.inner()).value();
    if (!Objects.equals(expected, r.value())) {
      out.add("lww_register holds " + r + ", expected the value of " + winner);
    }
  }

  private static int compareWrites(History.Op a, History.Op b) {
    int c =
        ((WriteResult.Written) a.result()).at().compareTo(((WriteResult.Written) b.result()).at());
    return c != 0 ? c : a.replica().compareTo(b.replica());
  }

  private static void checkMv(List<History.Op> s, List<String> values, List<String> out) {
    Set<String> written = new TreeSet<>();
    Set<String> maximal = new TreeSet<>();
    for (History.Op w : s) {
      if (!(w.inner() instanceof Operation.Write wr)) {
        continue;
      }
      written.add(wr.value());
      boolean seenByAnother = false;
      for (History.Op o : s) {
        if (o != w && o.inner() instanceof Operation.Write && o.saw(w)) {
          seenByAnother = true;
          break;
        }
      }
      if (!seenByAnother) {
        maximal.add(wr.value());
      }
    }
    Set<String> actual = new TreeSet<>(values);
    if (!actual.containsAll(maximal)) {
      out.add("mv_register holds " + values + ", missing concurrent latest writes " + maximal);
    }
    if (!written.containsAll(actual)) {
      out.add("mv_register holds " + values + ", not all written since the delete: " + written);
    }
  }
}
