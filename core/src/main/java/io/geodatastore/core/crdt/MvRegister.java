package io.geodatastore.core.crdt;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.DotContext;
import io.geodatastore.core.causal.ReplicaId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * MV-Register: a multi-value register that keeps exactly the concurrent values (Shapiro et al.
 * 2011, §3.2.2), as a dotted version vector set (Preguiça et al., "Dotted Version Vectors", 2012):
 * each value carries the dot of the write that made it, and a causal context records every write
 * seen.
 *
 * <p>A write replaces the values its context saw and nothing else: with the context returned by an
 * earlier read, exactly the values of that read; without a context, every value present here. A
 * context is only trusted for values actually present here, so a stale or forged context can never
 * hide a write this replica has not seen. Values written concurrently survive as siblings. This
 * class is immutable.
 */
public final class MvRegister implements Crdt<MvRegister> {

  public static final MvRegister EMPTY = new MvRegister(new TreeMap<>(), DotContext.EMPTY);

  private final TreeMap<Dot, String> entries;
  private final DotContext context;

  private MvRegister(TreeMap<Dot, String> entries, DotContext context) {
    this.entries = entries;
    this.context = context;
  }

  /**
   * A register from its parts, as decoded.
   *
   * @throws IllegalArgumentException when a value's dot is missing from the context
   */
  public static MvRegister of(Map<Dot, String> entries, DotContext context) {
    TreeMap<Dot, String> m = new TreeMap<>();
    entries.forEach(
        (d, v) -> {
          if (!context.contains(d)) {
            throw new IllegalArgumentException("MV-Register dot " + d + " is not in the context");
          }
          m.put(d, Objects.requireNonNull(v, "value"));
        });
    return m.isEmpty() && context.isEmpty() ? EMPTY : new MvRegister(m, context);
  }

  @Override
  public CrdtType type() {
    return CrdtType.MV_REGISTER;
  }

  /** The distinct concurrent values, in the order of their dots. */
  public List<String> values() {
    return List.copyOf(new LinkedHashSet<>(entries.values()));
  }

  /** The values with the dots of the writes that made them, in dot order. */
  public Map<Dot, String> entries() {
    return Collections.unmodifiableMap(entries);
  }

  /** Every write seen: the context a reader passes back to replace what it read. */
  public DotContext context() {
    return context;
  }

  /**
   * Writes {@code value} on behalf of {@code replica}.
   *
   * @param seen the context of the read this write follows, or null to replace every value here
   */
  public Update<MvRegister> write(ReplicaId replica, String value, DotContext seen) {
    Objects.requireNonNull(value, "value");
    Dot dot = context.nextDot(replica);
    TreeMap<Dot, String> next = new TreeMap<>();
    List<Dot> replaced = new ArrayList<>();
    entries.forEach(
        (d, v) -> {
          if (seen == null || seen.contains(d)) {
            replaced.add(d);
          } else {
            next.put(d, v);
          }
        });
    next.put(dot, value);
    replaced.add(dot);
    MvRegister state = new MvRegister(next, context.add(dot));
    TreeMap<Dot, String> deltaEntries = new TreeMap<>();
    deltaEntries.put(dot, value);
    MvRegister delta = new MvRegister(deltaEntries, DotContext.of(replaced));
    return new Update<>(state, delta, state.siblingConflicts());
  }

  @Override
  public MvRegister merge(MvRegister other) {
    if (other == this || other.isEmpty()) {
      return this;
    }
    if (isEmpty()) {
      return other;
    }
    TreeMap<Dot, String> out = new TreeMap<>();
    entries.forEach(
        (d, v) -> {
          if (other.entries.containsKey(d) || !other.context.contains(d)) {
            out.put(d, v);
          }
        });
    other.entries.forEach(
        (d, v) -> {
          if (!context.contains(d)) {
            out.put(d, v);
          }
        });
    DotContext cc = context.merge(other.context);
    if (cc == context && out.equals(entries)) {
      return this;
    }
    return new MvRegister(out, cc);
  }

  @Override
  public Merged<MvRegister> mergeReporting(MvRegister other) {
    MvRegister m = merge(other);
    return new Merged<>(m, m == this ? List.of() : m.siblingConflicts());
  }

  private List<Conflict> siblingConflicts() {
    List<String> values = values();
    if (values.size() < 2) {
      return List.of();
    }
    List<ReplicaId> replicas = new ArrayList<>();
    for (Dot d : entries.keySet()) {
      if (!replicas.contains(d.replica())) {
        replicas.add(d.replica());
      }
    }
    Conflict c =
        new Conflict(
            Conflict.Kind.MV_REGISTER_SIBLINGS,
            "register holds " + values.size() + " concurrent values",
            values,
            replicas);
    return List.of(c);
  }

  @Override
  public boolean isEmpty() {
    return entries.isEmpty() && context.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MvRegister r && context.equals(r.context) && entries.equals(r.entries);
  }

  @Override
  public int hashCode() {
    return 31 * entries.hashCode() + context.hashCode();
  }

  @Override
  public String toString() {
    return "MvRegister[" + entries + ", context=" + context + "]";
  }
}
