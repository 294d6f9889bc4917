package io.geodatastore.core.crdt;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.DotContext;
import io.geodatastore.core.causal.DotSet;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.util.PersistentSortedMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * OR-Set: an add-wins observed-remove set without tombstones (ORSWOT; Bieniusa et al., "An
 * optimized conflict-free replicated set", 2012; riak_dt_orswot), in delta-state form (Almeida et
 * al. 2018).
 *
 * <p>Each add of an element gets a fresh dot; the element is present while it has a dot. A remove
 * drops the element's dots but keeps them in the causal context, so the merge can tell "removed
 * here" (dot in the other side's context but not its entries) from "not yet seen here" (dot not in
 * the context). An add concurrent with a remove carries a dot the remove did not see, so add wins.
 * Removed elements leave nothing behind but the (compact) context.
 *
 * <p>Immutable. An add copies O(log n) nodes of a persistent tree, never the set. A merge with a
 * small state (a delta) into a large one touches only the elements the delta names or whose dots
 * its context covers, found through a dot index that is built on first need and carried along;
 * otherwise the merge is a linear merge-join.
 */
public final class OrSet implements Crdt<OrSet> {

  public static final OrSet EMPTY = new OrSet(PersistentSortedMap.empty(), DotContext.EMPTY, null);

  /** Below this size a merge is always linear: the index would not pay for itself. */
  private static final int INDEXED_MERGE_SIZE_MIN = 32;

  private final PersistentSortedMap<String, DotSet> entries;
  private final DotContext context;

  /**
   * Derived: the element each dot supports. Null until a targeted merge needs it; written at most
   * once per instance with an immutable value, so the benign race of two threads building it is
   * harmless.
   */
  private PersistentSortedMap<Dot, String> index;

  private OrSet(
      PersistentSortedMap<String, DotSet> entries,
      DotContext context,
      PersistentSortedMap<Dot, String> index) {
    this.entries = entries;
    this.context = context;
    this.index = index;
  }

  /**
   * A set from its parts, as decoded.
   *
   * @throws IllegalArgumentException when an element has no dots, a dot supports two elements, or a
   *     dot is missing from the context
   */
  public static OrSet of(Map<String, DotSet> entries, DotContext context) {
    Set<Dot> seen = new HashSet<>();
    List<String> keys = new ArrayList<>(new TreeSet<>(entries.keySet()));
    List<DotSet> values = new ArrayList<>(keys.size());
    for (String e : keys) {
      DotSet dots = entries.get(e);
      if (dots.isEmpty()) {
        throw new IllegalArgumentException("OR-Set element without dots: " + e);
      }
      for (Dot d : dots.toList()) {
        if (!seen.add(d)) {
          throw new IllegalArgumentException("OR-Set dot " + d + " supports two elements");
        }
        if (!context.contains(d)) {
          throw new IllegalArgumentException("OR-Set dot " + d + " is not in the context");
        }
      }
      values.add(dots);
    }
    if (keys.isEmpty() && context.isEmpty()) {
      return EMPTY;
    }
    return new OrSet(PersistentSortedMap.fromSorted(keys, values), context, null);
  }

  @Override
  public CrdtType type() {
    return CrdtType.OR_SET;
  }

  /** The elements present, in order. */
  public List<String> value() {
    return entries.keys();
  }

  public int size() {
    return entries.size();
  }

  public boolean contains(String element) {
    return entries.containsKey(element);
  }

  /** The causal context: every dot this replica has seen for this set. */
  public DotContext context() {
    return context;
  }

  /** The elements with their supporting dots, in element order. */
  public PersistentSortedMap<String, DotSet> entries() {
    return entries;
  }

  /** Adds {@code element} with a fresh dot of {@code replica}; it replaces the dots seen for it. */
  public Update<OrSet> add(ReplicaId replica, String element) {
    Objects.requireNonNull(element, "element");
    Dot dot = context.nextDot(replica);
    DotSet old = entries.get(element);
    DotSet fresh = DotSet.of(dot);
    PersistentSortedMap<Dot, String> idx = index;
    if (idx != null) {
      idx = unindex(idx, old).put(dot, element);
    }
    OrSet state = new OrSet(entries.put(element, fresh), context.add(dot), idx);
    DotContext deltaContext = old == null ? DotContext.of(dot) : withDot(old, dot);
    OrSet delta = new OrSet(PersistentSortedMap.of(element, fresh), deltaContext, null);
    return Update.of(state, delta);
  }

  /** Adds every element; the delta is the join of the single adds' deltas. */
  public Update<OrSet> addAll(ReplicaId replica, Collection<String> elements) {
    OrSet state = this;
    OrSet delta = EMPTY;
    for (String e : elements) {
      Update<OrSet> u = state.add(replica, e);
      state = u.state();
      delta = delta.merge(u.delta());
    }
    return Update.of(state, delta);
  }

  /** Removes {@code element} as observed here; concurrent adds elsewhere survive. */
  public Update<OrSet> remove(String element) {
    DotSet old = entries.get(element);
    if (old == null) {
      return Update.of(this, EMPTY);
    }
    PersistentSortedMap<Dot, String> idx = index == null ? null : unindex(index, old);
    OrSet state = new OrSet(entries.remove(element), context, idx);
    OrSet delta = new OrSet(PersistentSortedMap.empty(), DotContext.of(old.toList()), null);
    return Update.of(state, delta);
  }

  /** Removes every element; the delta is the join of the single removes' deltas. */
  public Update<OrSet> removeAll(Collection<String> elements) {
    OrSet state = this;
    OrSet delta = EMPTY;
    for (String e : elements) {
      Update<OrSet> u = state.remove(e);
      state = u.state();
      delta = delta.merge(u.delta());
    }
    return Update.of(state, delta);
  }

  @Override
  public OrSet merge(OrSet other) {
    if (other == this || other.isEmpty()) {
      return this;
    }
    if (isEmpty()) {
      return other;
    }
    OrSet big = size() >= other.size() ? this : other;
    OrSet small = big == this ? other : this;
    long smallWork = small.entries.size() + small.context.dotCount();
    if (big.size() >= INDEXED_MERGE_SIZE_MIN && smallWork * 4 <= big.size()) {
      return big.mergeTargeted(small);
    }
    return mergeLinear(other);
  }

  /** The ORSWOT join of one element's dots. */
  private static DotSet joinDots(DotSet a, DotContext ac, DotSet b, DotContext bc) {
    if (a.equals(b)) {
      return a;
    }
    List<Dot> keep = new ArrayList<>(a.size() + b.size());
    for (int i = 0; i < a.size(); i++) {
      Dot d = a.get(i);
      if (b.contains(d) || !bc.contains(d)) {
        keep.add(d);
      }
    }
    for (int i = 0; i < b.size(); i++) {
      Dot d = b.get(i);
      if (!a.contains(d) && !ac.contains(d)) {
        keep.add(d);
      }
    }
    return DotSet.of(keep);
  }

  private OrSet mergeLinear(OrSet other) {
    List<String> keys = new ArrayList<>(Math.max(size(), other.size()));
    List<DotSet> values = new ArrayList<>(Math.max(size(), other.size()));
    var a = entries.iterator();
    var b = other.entries.iterator();
    Map.Entry<String, DotSet> x = a.hasNext() ? a.next() : null;
    Map.Entry<String, DotSet> y = b.hasNext() ? b.next() : null;
    while (x != null || y != null) {
      int c = x == null ? 1 : y == null ? -1 : x.getKey().compareTo(y.getKey());
      String key = c <= 0 ? x.getKey() : y.getKey();
      DotSet da = c <= 0 ? x.getValue() : DotSet.EMPTY;
      DotSet db = c >= 0 ? y.getValue() : DotSet.EMPTY;
      DotSet keep = joinDots(da, context, db, other.context);
      if (!keep.isEmpty()) {
        keys.add(key);
        values.add(keep);
      }
      if (c <= 0) {
        x = a.hasNext() ? a.next() : null;
      }
      if (c >= 0) {
        y = b.hasNext() ? b.next() : null;
      }
    }
    DotContext cc = context.merge(other.context);
    PersistentSortedMap<String, DotSet> merged = PersistentSortedMap.fromSorted(keys, values);
    if (cc == context && merged.equals(entries)) {
      return this;
    }
    return new OrSet(merged, cc, null);
  }

  /**
   * The join with a small state: only elements named by {@code small} or supported by a dot its
   * context covers can change; every other element keeps its dots, because they are neither in the
   * other's entries nor in its context.
   */
  private OrSet mergeTargeted(OrSet small) {
    PersistentSortedMap<Dot, String> idx = index();
    TreeSet<String> affected = new TreeSet<>(small.entries.keys());
    VersionVector vv = small.context.versionVector();
    for (int i = 0; i < vv.size(); i++) {
      ReplicaId r = vv.replicaAt(i);
      idx.forEachInRange(new Dot(r, 1), new Dot(r, vv.counterAt(i)), (d, e) -> affected.add(e));
    }
    for (Dot d : small.context.cloud()) {
      String e = idx.get(d);
      if (e != null) {
        affected.add(e);
      }
    }
    PersistentSortedMap<String, DotSet> out = entries;
    for (String e : affected) {
      DotSet a = entries.get(e);
      DotSet b = small.entries.get(e);
      DotSet keep =
          joinDots(
              a == null ? DotSet.EMPTY : a, context, b == null ? DotSet.EMPTY : b, small.context);
      if (keep.equals(a)) {
        continue;
      }
      idx = unindex(idx, a);
      for (Dot d : keep.toList()) {
        idx = idx.put(d, e);
      }
      out = keep.isEmpty() ? out.remove(e) : out.put(e, keep);
    }
    DotContext cc = context.merge(small.context);
    if (out == entries && cc == context) {
      return this;
    }
    return new OrSet(out, cc, idx);
  }

  private PersistentSortedMap<Dot, String> index() {
    PersistentSortedMap<Dot, String> idx = index;
    if (idx == null) {
      List<Map.Entry<Dot, String>> pairs = new ArrayList<>(entries.size());
      entries.forEach(
          (e, dots) -> {
            for (Dot d : dots.toList()) {
              pairs.add(Map.entry(d, e));
            }
          });
      pairs.sort(Map.Entry.comparingByKey());
      List<Dot> ks = new ArrayList<>(pairs.size());
      List<String> vs = new ArrayList<>(pairs.size());
      for (Map.Entry<Dot, String> p : pairs) {
        ks.add(p.getKey());
        vs.add(p.getValue());
      }
      idx = PersistentSortedMap.fromSorted(ks, vs);
      index = idx;
    }
    return idx;
  }

  private static PersistentSortedMap<Dot, String> unindex(
      PersistentSortedMap<Dot, String> idx, DotSet dots) {
    if (dots != null) {
      for (Dot d : dots.toList()) {
        idx = idx.remove(d);
      }
    }
    return idx;
  }

  private static DotContext withDot(DotSet dots, Dot dot) {
    List<Dot> all = new ArrayList<>(dots.size() + 1);
    all.addAll(dots.toList());
    all.add(dot);
    return DotContext.of(all);
  }

  /** Merges by the linear merge-join only; exposed for tests that compare the two algorithms. */
  OrSet mergeLinearForTest(OrSet other) {
    return mergeLinear(other);
  }

  @Override
  public boolean isEmpty() {
    return entries.isEmpty() && context.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof OrSet s && context.equals(s.context) && entries.equals(s.entries);
  }

  @Override
  public int hashCode() {
    return 31 * entries.hashCode() + context.hashCode();
  }

  @Override
  public String toString() {
    return "OrSet[" + entries + ", context=" + context + "]";
  }
}
