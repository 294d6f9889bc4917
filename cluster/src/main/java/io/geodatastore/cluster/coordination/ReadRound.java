package io.geodatastore.cluster.coordination;

import io.geodatastore.cluster.NodeId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.storage.KeyRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The state of one read that merges several replicas ({@code local_quorum}, {@code quorum}, {@code
 * all}), apart from any driver: no time, no messages, no callbacks. {@link ReadCoordinator} feeds
 * it answers and repair acknowledgements and acts on what it says.
 *
 * <p>The read <i>decides</i> once {@code needed} replicas answered: their records are joined with
 * {@link KeyRecord#merge} (a join, so the order of answers does not matter). A replica whose record
 * lacks something of the join is <i>behind</i> and is sent the join (read repair). The read is
 * <i>met</i> once {@code needed} replicas hold the join — those that answered with all of it, and
 * those behind that acknowledged the repair — so that a later read of any {@code needed} replicas
 * overlaps one that holds it (a quorum read never goes back, as in Cassandra's blocking read
 * repair). Answers after the decision are compared with the join: behind, they are repaired too;
 * holding it, they count towards the level.
 */
final class ReadRound {

  /**
   * One replica's answer.
   *
   * @param record its record, null when it has none
   * @param unreadable whether it holds the key corrupt (quarantined): it has no usable record, and
   *     the join repairs it
   * @param covers what its record may reflect
   * @param applied what its record reflects for certain (its applied vector before the read); empty
   *     when it does not say
   */
  record Answer(
      KeyRecord record, boolean unreadable, VersionVector covers, VersionVector applied) {}

  private final int needed;
  private final int replicas;
  private final Map<NodeId, Answer> answers = new LinkedHashMap<>();
  private final Set<NodeId> holders = new LinkedHashSet<>();
  private final Set<NodeId> behind = new LinkedHashSet<>();
  private final Set<NodeId> refused = new LinkedHashSet<>();
  private final Set<NodeId> decidedWith = new LinkedHashSet<>();
  private boolean decided;
  private boolean anyUnreadable;
  private KeyRecord merged;
  private VersionVector covers = VersionVector.EMPTY;
  private int repairsSent;

  /**
   * @param needed how many replicas must answer and hold the join
   * @param replicas how many the level counts (this node included), for messages
   */
  ReadRound(int needed, int replicas) {
    if (needed < 1 || needed > replicas) {
      throw new IllegalArgumentException("needs " + needed + " of " + replicas + " replicas");
    }
    this.needed = needed;
    this.replicas = replicas;
  }

  /**
   * Takes a replica's answer (a second one from the same replica is ignored).
   *
   * @return whether the replica is behind the join and must be sent it: always false before the
   *     decision (see {@link #decide}), which then names every replica behind at once
   */
  boolean answer(NodeId from, Answer a) {
    if (answers.containsKey(from)) {
      return false;
    }
    answers.put(from, a);
    if (!decided) {
      return false;
    }
    if (isBehind(a)) {
      behind.add(from);
      repairsSent++;
      return true;
    }
    holders.add(from);
    return false;
  }

  /** Whether enough replicas answered to decide (and the read has not decided yet). */
  boolean canDecide() {
    return !decided && answers.size() >= needed;
  }

  /**
   * Joins the answers so far and returns the replicas behind the join, to be sent it.
   *
   * @throws IllegalStateException unless {@link #canDecide}
   */
  List<NodeId> decide() {
    if (!canDecide()) {
      throw new IllegalStateException("cannot decide with " + answers.size() + " of " + needed);
    }
    decided = true;
    decidedWith.addAll(answers.keySet());
    for (Answer a : answers.values()) {
      covers = covers.merge(a.covers());
      anyUnreadable |= a.unreadable();
      if (a.record() != null) {
        merged = KeyRecord.merge(merged, a.record()).record();
      }
    }
    List<NodeId> out = new ArrayList<>();
    answers.forEach(
        (id, a) -> {
          if (isBehind(a)) {
            behind.add(id);
            out.add(id);
            repairsSent++;
          } else {
            holders.add(id);
          }
        });
    return out;
  }

  private boolean isBehind(Answer a) {
    if (merged == null) {
      return false; // nothing to send (a corrupt copy stays for anti-entropy)
    }
    return a.unreadable() || KeyRecord.merge(a.record(), merged).record() != a.record();
  }

  /** A replica that was behind acknowledged that it holds the join. */
  void repaired(NodeId id) {
    if (behind.remove(id)) {
      holders.add(id);
    }
  }

  /**
   * A replica that was behind refused the join (it could not merge it in time): it never holds it.
   */
  void refused(NodeId id) {
    if (behind.remove(id)) {
      refused.add(id);
    }
  }

  /**
   * Whether the level can no longer be met: too few replicas hold the join, may still take it, or
   * have yet to answer, of the {@code asked} replicas (this node included).
   */
  boolean hopeless(int asked) {
    return decided && holders.size() + behind.size() + (asked - answers.size()) < needed;
  }

  /** Whether the decision took a readable answer of {@code id}: the join holds its record. */
  boolean joinHolds(NodeId id) {
    Answer a = answers.get(id);
    return decidedWith.contains(id) && !a.unreadable();
  }

  /** The answer of {@code id}, or null before it answered. */
  Answer answerOf(NodeId id) {
    return answers.get(id);
  }

  boolean decided() {
    return decided;
  }

  /** How many replicas must answer and hold the join. */
  int needed() {
    return needed;
  }

  /** Whether the level is met: decided, and {@code needed} replicas hold the join. */
  boolean met() {
    return decided && holders.size() >= needed;
  }

  /** The join of the answers the decision took; null when none had a record. */
  KeyRecord merged() {
    return merged;
  }

  /** Whether every answer the decision took was absent or corrupt, and some corrupt. */
  boolean onlyCorrupt() {
    return merged == null && anyUnreadable;
  }

  /** What the join may reflect: the join of the covers of the answers it took. */
  VersionVector covers() {
    return covers;
  }

  /** How many replicas were found behind the join (and sent it), late answers included. */
  int repairsSent() {
    return repairsSent;
  }

  /**
   * For messages: what was reached, e.g. "reached 1 of 2 needed replicas (3 counted, …)": before
   * the decision the replicas that answered, after it those holding the join.
   */
  String reached() {
    return "reached "
        + (decided ? holders.size() : answers.size())
        + " of "
        + needed
        + " needed replicas ("
        + replicas
        + " counted, "
        + answers.size()
        + " answered"
        + (behind.isEmpty() ? "" : ", " + behind.size() + " behind and not yet repaired")
        + (refused.isEmpty()
            ? ""
            : ", "
                + refused.size()
                + " behind refused the repair: it had not applied the join's causal past within "
                + ReadCoordinator.REPAIR_PAST_WAIT_MS_MAX
                + " ms")
        + ")";
  }
}
