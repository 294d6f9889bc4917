package io.geodatastore.cluster.replication;

import io.geodatastore.cluster.NodeId;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Causal stability of one replica's view, as a pure state object that {@link Replication} drives.
 * It decides which deletes every replica has, so that tombstones and epochs can be collected
 * without a deleted key ever coming back.
 *
 * <p><b>Complete watermark (receiving).</b> For each origin, the highest sequence {@code s} such
 * that every entry of that origin up to {@code s} was merged here. It equals the applied watermark
 * except after a {@code skipTo}: the skipped range is a <i>hole</i>, and the complete watermark
 * stays below it until an anti-entropy exchange with a peer that was complete past it covers it.
 * Holes are persisted before the applied watermark jumps over them.
 *
 * <p><b>Stable sequence (originating).</b> Every replica reports its complete watermarks to every
 * origin. An origin's stable sequence is the minimum over every replica it has ever known (down
 * ones included, so a region that is away holds it back) of their complete watermark of its log:
 * every entry up to it is merged everywhere. It is announced to every peer.
 *
 * <p><b>Fence.</b> Stability of a delete alone is not enough: a write issued concurrently with the
 * delete by a replica that had not merged it yet might still be on its way, and would recreate the
 * key once the tombstone is gone. So each replica, on learning a set of stable sequences {@code S},
 * notes its own last sequence {@code L}: every entry it issues after {@code L} has seen {@code S}.
 * Once its own stable sequence reaches {@code L}, every entry it issued without seeing {@code S} is
 * everywhere, and {@code S} becomes its <i>fence</i>. An origin's <i>collectable</i> sequence is
 * the minimum over every replica of their fence's entry for it; the horizon is {collectable of each
 * origin}, and a delete the horizon includes is merged everywhere together with everything
 * concurrent with it. Everything here only grows.
 *
 * <p>Not thread-safe: one logical thread, as {@link Replication}.
 */
public final class Stability {

  /** What this replica knows of one other replica's progress on this replica's own log. */
  static final class Member {
    ReplicaId replica;
    long complete;
    long fence;
  }

  private final ReplicaId self;
  private final TreeMap<ReplicaId, TreeMap<Long, Long>> holes = new TreeMap<>();
  private final TreeMap<NodeId, Member> members = new TreeMap<>();
  private final TreeMap<ReplicaId, Long> stables = new TreeMap<>();
  private long stable;
  private long collectable;
  private VersionVector fence = VersionVector.EMPTY;
  private VersionVector pending;
  private long pendingThrough;
  private boolean dirty;

  Stability(ReplicaId self) {
    this.self = self;
  }

  // ---- receiving: holes and complete watermarks ----

  /** The complete watermark of {@code origin}, given its applied watermark here. */
  long complete(ReplicaId origin, long applied) {
    TreeMap<Long, Long> h = holes.get(origin);
    return h == null || h.isEmpty() ? applied : Math.min(applied, h.firstKey() - 1);
  }

  /** The entries {@code from..to} of {@code origin} were skipped, never merged here. */
  void skipped(ReplicaId origin, long from, long to) {
    if (from > to) {
      return;
    }
    holes.computeIfAbsent(origin, o -> new TreeMap<>()).put(from, to);
    dirty = true;
  }

  /**
   * A full exchange with a peer whose complete watermarks were {@code peerComplete} converged:
   * every hole at or below them is covered. Returns whether anything changed.
   */
  boolean covered(Map<ReplicaId, Long> peerComplete) {
    boolean changed = false;
    for (Map.Entry<ReplicaId, TreeMap<Long, Long>> e : holes.entrySet()) {
      long c = peerComplete.getOrDefault(e.getKey(), 0L);
      TreeMap<Long, Long> h = e.getValue();
      while (!h.isEmpty() && h.firstKey() <= c) {
        Map.Entry<Long, Long> first = h.pollFirstEntry();
        if (first.getValue() > c) {
          h.put(c + 1, first.getValue());
        }
        changed = true;
      }
    }
    holes.values().removeIf(TreeMap::isEmpty);
    dirty |= changed;
    return changed;
  }

  /** The ranges of each origin skipped and not yet covered, as {from, to} pairs. */
  public Map<ReplicaId, List<long[]>> holes() {
    Map<ReplicaId, List<long[]>> out = new TreeMap<>();
    holes.forEach(
        (o, h) -> {
          List<long[]> ranges = new ArrayList<>();
          h.forEach((from, to) -> ranges.add(new long[] {from, to}));
          out.put(o, ranges);
        });
    return out;
  }

  // ---- originating: members, stable and collectable sequences ----

  /** {@code id} is a replica of the cluster: from now on it holds the stable sequence back. */
  void member(NodeId id) {
    if (members.putIfAbsent(id, new Member()) == null) {
      dirty = true;
    }
  }

  /** {@code id} no longer counts (an operator removed it for good). */
  void forget(NodeId id) {
    if (members.remove(id) != null) {
      dirty = true;
    }
  }

  /**
   * A member reported its complete watermark and fence entry of this replica's log. A member whose
   * replica changed (its data directory was replaced) starts over. Returns its complete watermark.
   */
  long reported(NodeId id, ReplicaId replica, long complete, long fenceEntry) {
    Member m = members.computeIfAbsent(id, x -> new Member());
    if (!replica.equals(m.replica)) {
      m.replica = replica;
      m.complete = 0;
      m.fence = 0;
      dirty = true;
    }
    if (complete > m.complete || fenceEntry > m.fence) {
      m.complete = Math.max(m.complete, complete);
      m.fence = Math.max(m.fence, fenceEntry);
      dirty = true;
    }
    return m.complete;
  }

  /** {@code origin} announced its stable sequence. */
  void announced(ReplicaId origin, long originStable) {
    stables.merge(origin, originStable, Math::max);
  }

  /**
   * Recomputes the stable sequence, the fence and the collectable sequence, given this replica's
   * last sequence. With no member known nothing advances: a replica alone cannot tell whether
   * another one is writing concurrently.
   */
  void advance(long lastSequence) {
    if (members.isEmpty()) {
      return;
    }
    long minComplete = lastSequence;
    long minFence = Long.MAX_VALUE;
    for (Member m : members.values()) {
      minComplete = Math.min(minComplete, m.complete);
      minFence = Math.min(minFence, m.fence);
    }
    if (minComplete > stable) {
      stable = minComplete;
      dirty = true;
    }
    stables.put(self, stable);
    if (pending != null && stable >= pendingThrough) {
      fence = fence.merge(pending);
      pending = null;
      dirty = true;
    }
    VersionVector known = VersionVector.of(stables);
    if (pending == null && !fence.dominates(known)) {
      pending = known;
      pendingThrough = lastSequence;
    }
    minFence = Math.min(minFence, fence.get(self));
    if (minFence > collectable) {
      collectable = minFence;
      dirty = true;
    }
  }

  /** Every entry this replica originated up to it is merged at every member. */
  public long stable() {
    return stable;
  }

  /** Every delete this replica originated up to it can be collected everywhere. */
  public long collectable() {
    return collectable;
  }

  public VersionVector fence() {
    return fence;
  }

  /** The members and, per member, {complete, fence} of this replica's log as last reported. */
  public Map<NodeId, long[]> members() {
    Map<NodeId, long[]> out = new TreeMap<>();
    members.forEach((id, m) -> out.put(id, new long[] {m.complete, m.fence}));
    return out;
  }

  /** The replica ids of the members, where known. */
  List<ReplicaId> memberReplicas() {
    List<ReplicaId> out = new ArrayList<>();
    for (Member m : members.values()) {
      if (m.replica != null) {
        out.add(m.replica);
      }
    }
    return out;
  }

  /** Whether something persisted changed since {@link #clean}. */
  boolean dirty() {
    return dirty;
  }

  void clean() {
    dirty = false;
  }

  // ---- persistence ----

  private static final int FORMAT_VERSION = 1;

  /**
   * The persisted form. Version 1, every number a varint and every string its length then its
   * characters as varints: version; holes (origins, then per origin its id, ranges, then each range
   * {from, to}); members (count, then per member node id, replica id or "" when unknown, complete,
   * fence); stable; collectable; fence (entries, then each replica id and counter).
   */
  byte[] encode() {
    Writer w = new Writer();
    w.varint(FORMAT_VERSION);
    w.varint(holes.size());
    holes.forEach(
        (o, h) -> {
          w.string(o.value());
          w.varint(h.size());
          h.forEach(
              (from, to) -> {
                w.varint(from);
                w.varint(to);
              });
        });
    w.varint(members.size());
    members.forEach(
        (id, m) -> {
          w.string(id.value());
          w.string(m.replica == null ? "" : m.replica.value());
          w.varint(m.complete);
          w.varint(m.fence);
        });
    w.varint(stable);
    w.varint(collectable);
    w.varint(fence.size());
    for (int i = 0; i < fence.size(); i++) {
      w.string(fence.replicaAt(i).value());
      w.varint(fence.counterAt(i));
    }
    return w.toByteArray();
  }

  /**
   * Restores a persisted state.
   *
   * @throws IllegalArgumentException when the bytes are not a state this code wrote
   */
  void decode(byte[] bytes) {
    Reader r = new Reader(bytes);
    long version = r.varint();
    if (version != FORMAT_VERSION) {
      throw new IllegalArgumentException("unknown stability state version " + version);
    }
    TreeMap<ReplicaId, TreeMap<Long, Long>> h = new TreeMap<>();
    for (long n = r.count(); n > 0; n--) {
      TreeMap<Long, Long> ranges = new TreeMap<>();
      ReplicaId origin = ReplicaId.of(r.string());
      for (long k = r.count(); k > 0; k--) {
        ranges.put(r.varint(), r.varint());
      }
      h.put(origin, ranges);
    }
    TreeMap<NodeId, Member> ms = new TreeMap<>();
    for (long n = r.count(); n > 0; n--) {
      Member m = new Member();
      NodeId id = NodeId.of(r.string());
      String replica = r.string();
      m.replica = replica.isEmpty() ? null : ReplicaId.of(replica);
      m.complete = r.varint();
      m.fence = r.varint();
      ms.put(id, m);
    }
    long st = r.varint();
    long coll = r.varint();
    Map<ReplicaId, Long> f = new TreeMap<>();
    for (long n = r.count(); n > 0; n--) {
      f.put(ReplicaId.of(r.string()), r.varint());
    }
    if (!r.atEnd()) {
      throw new IllegalArgumentException("bytes after the stability state");
    }
    holes.clear();
    holes.putAll(h);
    members.clear();
    members.putAll(ms);
    stable = st;
    collectable = coll;
    fence = VersionVector.of(f);
    stables.put(self, stable);
  }

  /** A growable byte buffer of varints (this module uses no I/O classes). */
  private static final class Writer {
    private byte[] buf = new byte[64];
    private int len;

    void varint(long v) {
      while ((v & ~0x7FL) != 0) {
        put((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      put((int) v);
    }

    void string(String s) {
      varint(s.length());
      for (int i = 0; i < s.length(); i++) {
        varint(s.charAt(i));
      }
    }

    private void put(int b) {
      if (len == buf.length) {
        buf = java.util.Arrays.copyOf(buf, buf.length * 2);
      }
      buf[len++] = (byte) b;
    }

    byte[] toByteArray() {
      return java.util.Arrays.copyOf(buf, len);
    }
  }

  private static final class Reader {
    private final byte[] buf;
    private int pos;

    Reader(byte[] buf) {
      this.buf = buf;
    }

    long varint() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= buf.length) {
          throw new IllegalArgumentException("truncated stability state");
        }
        int b = buf[pos++] & 0xFF;
        v |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          if (v < 0) {
            throw new IllegalArgumentException("a negative number in the stability state");
          }
          return v;
        }
      }
      throw new IllegalArgumentException("a varint longer than 10 bytes");
    }

    long count() {
      long n = varint();
      if (n > buf.length) {
        throw new IllegalArgumentException("a count of " + n + " in " + buf.length + " bytes");
      }
      return n;
    }

    String string() {
      long n = count();
      StringBuilder b = new StringBuilder((int) n);
      for (long i = 0; i < n; i++) {
        long c = varint();
        if (c > Character.MAX_VALUE) {
          throw new IllegalArgumentException("not a character: " + c);
        }
        b.append((char) c);
      }
      return b.toString();
    }

    boolean atEnd() {
      return pos == buf.length;
    }
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("Stability[stable=").append(stable);
    b.append(", collectable=").append(collectable).append(", fence=").append(fence);
    b.append(", holes={");
    for (Iterator<Map.Entry<ReplicaId, TreeMap<Long, Long>>> it = holes.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<ReplicaId, TreeMap<Long, Long>> e = it.next();
      b.append(e.getKey()).append('=').append(e.getValue());
      if (it.hasNext()) {
        b.append(", ");
      }
    }
    return b.append("}]").toString();
  }
}
