package io.geodatastore.sim;

import io.geodatastore.cluster.coordination.ReadLevel;
import io.geodatastore.cluster.replication.WriteLevel;
import io.geodatastore.storage.KeyRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the simulation's client sessions wrote and read, and the checks of what their reads had to
 * show. Sessions write elements unique to each write into G-Sets (which never lose one), so "a read
 * reflects a write" is exactly "the read's set holds the write's element":
 *
 * <ul>
 *   <li><b>read-your-writes</b>: a {@code session} or {@code causal} read holds every element its
 *       session wrote to the key before it;
 *   <li><b>monotonic reads</b>: such a read holds every element its session's earlier reads of the
 *       key (at any level) held;
 *   <li><b>quorum overlap</b>: a {@code quorum} read holds every element acknowledged at {@code
 *       quorum} or {@code all} before the read was issued, whoever wrote it; an {@code all} read
 *       every element acknowledged at all; a {@code local_quorum} read every element acknowledged
 *       at {@code all}, or at {@code local_quorum} by a node of the reader's region;
 *   <li><b>no loss</b>: once healed and quiet, every replica holds every element.
 * </ul>
 *
 * Reads that failed (the level was not met in time) are not checked: failing is what they must do
 * rather than answer stale.
 */
public final class SessionHistory {

  /** One write of one element, acknowledged at its level or not. */
  static final class Write {
    final int session;
    final int node;
    final int region;
    final KeyRef key;
    final String element;
    final WriteLevel level;
    final long issuedMs;
    final long issuedOrder;
    boolean met;
    long ackedOrder = Long.MAX_VALUE;

    Write(
        int session,
        int node,
        int region,
        KeyRef key,
        String element,
        WriteLevel level,
        long issuedMs,
        long issuedOrder) {
      this.session = session;
      this.node = node;
      this.region = region;
      this.key = key;
      this.element = element;
      this.level = level;
      this.issuedMs = issuedMs;
      this.issuedOrder = issuedOrder;
    }

    @Override
    public String toString() {
      return element
          + " (session "
          + session
          + ", n"
          + node
          + ", "
          + level
          + ", t="
          + issuedMs
          + ")";
    }
  }

  /** One read; {@code elements} null until it is answered, and for a failed one. */
  static final class Read {
    final int session;
    final int node;
    final int region;
    final KeyRef key;
    final ReadLevel level;
    final long issuedMs;
    final long issuedOrder;
    boolean done;
    Set<String> elements;
    String how;

    Read(
        int session,
        int node,
        int region,
        KeyRef key,
        ReadLevel level,
        long issuedMs,
        long issuedOrder) {
      this.session = session;
      this.node = node;
      this.region = region;
      this.key = key;
      this.level = level;
      this.issuedMs = issuedMs;
      this.issuedOrder = issuedOrder;
    }

    @Override
    public String toString() {
      return level.label()
          + " read of "
          + key
          + " by session "
          + session
          + " at n"
          + node
          + " at t="
          + issuedMs
          + " ("
          + how
          + ")";
    }
  }

  private final List<Object> events = new ArrayList<>();
  private long order;

  Write write(
      int session, int node, int region, KeyRef key, String element, WriteLevel level, long nowMs) {
    Write w = new Write(session, node, region, key, element, level, nowMs, order++);
    events.add(w);
    return w;
  }

  void acknowledged(Write w, boolean met) {
    w.met = met;
    w.ackedOrder = order++;
  }

  Read read(int session, int node, int region, KeyRef key, ReadLevel level, long nowMs) {
    Read r = new Read(session, node, region, key, level, nowMs, order++);
    events.add(r);
    return r;
  }

  void answered(Read r, Set<String> elements, String how) {
    r.done = true;
    r.elements = elements == null ? null : Set.copyOf(elements);
    r.how = how;
  }

  /** Reads answered with a value, and reads that failed, per level and how they were served. */
  Map<String, Long> figures() {
    Map<String, Long> out = new java.util.TreeMap<>();
    for (Object e : events) {
      if (e instanceof Read r && r.done) {
        out.merge(r.level.label() + "." + (r.elements == null ? "failed" : r.how), 1L, Long::sum);
      } else if (e instanceof Write w) {
        out.merge("write." + w.level.name().toLowerCase(java.util.Locale.ROOT), 1L, Long::sum);
      }
    }
    return out;
  }

  /** Every violation of the checks above; {@code finalRecords} per key, as any replica holds it. */
  List<String> check(Map<KeyRef, Set<String>> finalElements) {
    List<String> out = new ArrayList<>();
    Map<Integer, Map<KeyRef, Set<String>>> written = new HashMap<>();
    Map<Integer, Map<KeyRef, Set<String>>> seen = new HashMap<>();
    List<Write> writes = new ArrayList<>();
    for (Object e : events) {
      if (e instanceof Write w) {
        writes.add(w);
        written
            .computeIfAbsent(w.session, s -> new HashMap<>())
            .computeIfAbsent(w.key, k -> new LinkedHashSet<>())
            .add(w.element);
      } else if (e instanceof Read r && r.elements != null) {
        Set<String> mine = written.getOrDefault(r.session, Map.of()).getOrDefault(r.key, Set.of());
        Set<String> before =
            seen.computeIfAbsent(r.session, s -> new HashMap<>())
                .computeIfAbsent(r.key, k -> new LinkedHashSet<>());
        if (!r.level.merges()) {
          missing(out, "read-your-writes", r, mine);
          missing(out, "monotonic reads", r, before);
        }
        before.addAll(r.elements);
      }
    }
    for (Object e : events) {
      if (e instanceof Read r && r.elements != null && r.level.merges()) {
        List<String> lacking = new ArrayList<>();
        for (Write w : writes) {
          if (w.key.equals(r.key)
              && w.met
              && w.ackedOrder < r.issuedOrder
              && overlaps(r, w)
              && !r.elements.contains(w.element)) {
            lacking.add(w.toString());
          }
        }
        if (!lacking.isEmpty()) {
          out.add(
              "quorum overlap: the "
                  + r
                  + " lacks "
                  + lacking
                  + ", acknowledged before it; it held "
                  + new TreeSet<>(r.elements));
        }
      }
    }
    for (Write w : writes) {
      Set<String> fin = finalElements.getOrDefault(w.key, Set.of());
      if (!fin.contains(w.element)) {
        out.add("no loss: " + w + " is missing from the converged replicas");
      }
    }
    return out;
  }

  /** Whether a write acknowledged at its level must be seen by a read at the read's level. */
  private static boolean overlaps(Read r, Write w) {
    return switch (r.level) {
      case ALL -> true; // every replica answered, the writer included
      case QUORUM -> w.level == WriteLevel.QUORUM || w.level == WriteLevel.ALL;
      case LOCAL_QUORUM ->
          w.level == WriteLevel.ALL || (w.level == WriteLevel.LOCAL_QUORUM && w.region == r.region);
      case SESSION, CAUSAL -> false;
    };
  }

  private static void missing(List<String> out, String check, Read r, Set<String> due) {
    List<String> absent = new ArrayList<>();
    for (String e : due) {
      if (!r.elements.contains(e)) {
        absent.add(e);
      }
    }
    if (!absent.isEmpty()) {
      out.add(check + ": the " + r + " lacks " + absent + "; it held " + new TreeSet<>(r.elements));
    }
  }

  public int size() {
    return events.size();
  }
}
