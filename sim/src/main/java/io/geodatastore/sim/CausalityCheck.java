package io.geodatastore.sim;

import io.geodatastore.core.crdt.GSet;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The causality check, black-box: it looks only at what replicas show, never at dependencies or
 * streams.
 *
 * <p>The workload's chain writes each add a unique element to one of a few G-Set keys (the chain
 * keys) at some node, right after reading every chain key there; the check records, per element,
 * the elements its writer showed then: what the write causally depends on, across keys. The
 * invariant: whenever a replica shows an element, it shows every element its writer had shown. A
 * G-Set only grows (chain keys are never deleted), so it is enough to check each element when it
 * first appears at a replica; elements appear at another replica only when it merges, and the
 * simulator checks after every merge, at every replica.
 *
 * <p>Bounded: one bit set per chain write and per replica, over the chain writes of one run.
 */
final class CausalityCheck {

  /**
   * One chain write.
   *
   * @param element its unique element
   * @param key the chain key it added to
   * @param node the index of the node it was made at
   * @param atMs when
   * @param saw the elements (by index) the node showed when it was made
   */
  private record Write(String element, KeyRef key, int node, long atMs, BitSet saw) {}

  private final List<KeyRef> keys;
  private final List<SimNode> nodes;
  private final List<Write> writes = new ArrayList<>();
  private final Map<String, Integer> byElement = new HashMap<>();
  private final BitSet[] shownAt;
  private String first;
  private long violations;
  private long checks;

  CausalityCheck(List<KeyRef> keys, List<SimNode> nodes) {
    this.keys = List.copyOf(keys);
    this.nodes = List.copyOf(nodes);
    this.shownAt = new BitSet[nodes.size()];
    for (int i = 0; i < shownAt.length; i++) {
      shownAt[i] = new BitSet();
    }
  }

  List<KeyRef> keys() {
    return keys;
  }

  /**
   * Registers the chain write of {@code element} to {@code key} that {@code node} is about to make,
   * with what the node shows now.
   */
  void writing(SimNode node, KeyRef key, String element, long nowMs) {
    if (byElement.putIfAbsent(element, writes.size()) != null) {
      throw new IllegalArgumentException("chain element " + element + " written twice");
    }
    writes.add(new Write(element, key, node.index(), nowMs, shown(node)));
  }

  /** Checks the elements that appeared at {@code node} since it was last checked. */
  void check(SimNode node, long nowMs) {
    checks++;
    BitSet now = shown(node);
    BitSet fresh = (BitSet) now.clone();
    fresh.andNot(shownAt[node.index()]);
    for (int i = fresh.nextSetBit(0); i >= 0; i = fresh.nextSetBit(i + 1)) {
      Write w = writes.get(i);
      BitSet missing = (BitSet) w.saw().clone();
      missing.andNot(now);
      if (!missing.isEmpty()) {
        violations++;
        if (first == null) {
          Write m = writes.get(missing.nextSetBit(0));
          first =
              String.format(
                  "causality: at t=%d ms %s shows %s in %s (written at %s at t=%d ms) without %s"
                      + " in %s (written at %s at t=%d ms), which %s showed when it wrote %s;"
                      + " %d elements missing",
                  nowMs,
                  node.id(),
                  w.element(),
                  w.key(),
                  nodes.get(w.node()).id(),
                  w.atMs(),
                  m.element(),
                  m.key(),
                  nodes.get(m.node()).id(),
                  m.atMs(),
                  nodes.get(w.node()).id(),
                  w.element(),
                  missing.cardinality());
        }
      }
    }
    shownAt[node.index()] = now;
  }

  /** The elements {@code node} shows in the chain keys, by index. */
  private BitSet shown(SimNode node) {
    BitSet out = new BitSet(writes.size());
    Map<KeyRef, KeyRecord> records = node.replica().records();
    for (KeyRef k : keys) {
      KeyRecord r = records.get(k);
      if (r != null && r.live() && r.state() instanceof GSet s) {
        for (String e : s.value()) {
          Integer i = byElement.get(e);
          if (i == null) {
            throw new IllegalStateException(
                node.id() + " shows " + e + " in " + k + ": never written");
          }
          out.set(i);
        }
      }
    }
    return out;
  }

  /** The first violation and how many there were, or nothing. */
  List<String> violations() {
    if (first == null) {
      return List.of();
    }
    return List.of(first + (violations > 1 ? " (and " + (violations - 1) + " more)" : ""));
  }

  int writes() {
    return writes.size();
  }

  long checks() {
    return checks;
  }
}
