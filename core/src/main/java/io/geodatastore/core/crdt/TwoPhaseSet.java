package io.geodatastore.core.crdt;

import java.util.Collection;
import java.util.List;

/**
 * 2P-Set: a two-phase set (Shapiro et al. 2011, §3.3.2). An element can be added and then removed
 * once; a removed element never returns, and an add of one is refused and reported as a {@link
 * Conflict.Kind#TWO_PHASE_SET_READD_REFUSED} conflict.
 *
 * <p>The state is kept normalised as two disjoint sets, the live elements and the removed ones
 * (tombstones): the join is {@code removed = R1 ∪ R2, live = (L1 ∪ L2) \ removed}, which is the
 * classic (A1 ∪ A2, R1 ∪ R2) join without storing removed elements twice. A remove of an element
 * that is not live here changes nothing, as in the paper's precondition. This class is immutable.
 */
public final class TwoPhaseSet implements Crdt<TwoPhaseSet> {

  public static final TwoPhaseSet EMPTY = new TwoPhaseSet(ElementSet.EMPTY, ElementSet.EMPTY);

  private final ElementSet live;
  private final ElementSet removed;

  private TwoPhaseSet(ElementSet live, ElementSet removed) {
    this.live = live;
    this.removed = removed;
  }

  /** A set from its two parts; elements in both are removed. */
  public static TwoPhaseSet of(Collection<String> live, Collection<String> removed) {
    ElementSet r = ElementSet.of(removed);
    ElementSet l = ElementSet.of(live);
    for (String e : r) {
      l = l.remove(e);
    }
    return wrap(l, r);
  }

  private static TwoPhaseSet wrap(ElementSet live, ElementSet removed) {
    return live.isEmpty() && removed.isEmpty() ? EMPTY : new TwoPhaseSet(live, removed);
  }

  @Override
  public CrdtType type() {
    return CrdtType.TWO_PHASE_SET;
  }

  /** The live elements, in order. */
  public List<String> value() {
    return live.toList();
  }

  /** The removed elements (tombstones), in order. */
  public List<String> removed() {
    return removed.toList();
  }

  public int size() {
    return live.size();
  }

  public boolean contains(String element) {
    return live.contains(element);
  }

  public boolean isRemoved(String element) {
    return removed.contains(element);
  }

  /** Adds {@code element}, unless it was removed: then the add is refused and reported. */
  public Update<TwoPhaseSet> add(String element) {
    if (removed.contains(element)) {
      Conflict c =
          new Conflict(
              Conflict.Kind.TWO_PHASE_SET_READD_REFUSED,
              "add refused: a two_phase_set element that was removed can never be added again",
              List.of(element),
              List.of());
      return new Update<>(this, EMPTY, List.of(c));
    }
    if (live.contains(element)) {
      return Update.of(this, EMPTY);
    }
    return Update.of(
        new TwoPhaseSet(live.add(element), removed),
        new TwoPhaseSet(ElementSet.of(element), ElementSet.EMPTY));
  }

  /** Removes {@code element} for good, when it is live here; otherwise changes nothing. */
  public Update<TwoPhaseSet> remove(String element) {
    if (!live.contains(element)) {
      return Update.of(this, EMPTY);
    }
    return Update.of(
        wrap(live.remove(element), removed.add(element)),
        new TwoPhaseSet(ElementSet.EMPTY, ElementSet.of(element)));
  }

  @Override
  public TwoPhaseSet merge(TwoPhaseSet other) {
    if (other.live.size() + other.removed.size() > live.size() + removed.size()) {
      return other.merge(this);
    }
    if (other.isEmpty()) {
      return this;
    }
    // Both sides are normalised, so only the smaller side's elements can break disjointness.
    ElementSet r = removed.union(other.removed);
    ElementSet l = live.union(other.live);
    for (String e : other.removed) {
      l = l.remove(e);
    }
    for (String e : other.live) {
      if (removed.contains(e)) {
        l = l.remove(e);
      }
    }
    return l == live && r == removed ? this : wrap(l, r);
  }

  @Override
  public boolean isEmpty() {
    return live.isEmpty() && removed.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TwoPhaseSet s && live.equals(s.live) && removed.equals(s.removed);
  }

  @Override
  public int hashCode() {
    return 31 * live.hashCode() + removed.hashCode();
  }

  @Override
  public String toString() {
    return "TwoPhaseSet[live=" + live + ", removed=" + removed + "]";
  }
}
