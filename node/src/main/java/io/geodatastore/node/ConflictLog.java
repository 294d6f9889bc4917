package io.geodatastore.node;

import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.crdt.Conflict;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.storage.KeyRef;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The most recent conflicts this node resolved, newest first, for {@code GET /admin/conflicts}.
 * Bounded: holds the last {@code capacity}; kept in memory only (they are also counted in {@code
 * geodatastore_conflicts_resolved_total}).
 */
public final class ConflictLog {

  /** One resolution. */
  public record Entry(
      KeyRef key,
      CrdtType type,
      Conflict.Kind kind,
      String detail,
      List<String> values,
      List<ReplicaId> replicas,
      long atMs) {}

  private final int capacity;
  private final ArrayDeque<Entry> entries;

  public ConflictLog(int capacity) {
    this.capacity = capacity;
    this.entries = new ArrayDeque<>(capacity);
  }

  public synchronized void add(KeyRef key, CrdtType type, Conflict c, long atMs) {
    if (entries.size() == capacity) {
      entries.removeLast();
    }
    entries.addFirst(new Entry(key, type, c.kind(), c.detail(), c.values(), c.replicas(), atMs));
  }

  /** Up to {@code limit} entries, newest first, of keys named {@code keyName} (any when null). */
  public synchronized List<Entry> recent(String keyName, int limit) {
    List<Entry> out = new ArrayList<>();
    for (Iterator<Entry> it = entries.iterator(); it.hasNext() && out.size() < limit; ) {
      Entry e = it.next();
      if (keyName == null || e.key().name().equals(keyName)) {
        out.add(e);
      }
    }
    return out;
  }
}
