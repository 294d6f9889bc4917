package io.geodatastore.storage;

import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import java.util.Objects;

/**
 * What a replica's writes causally depend on: the capture half of causal delivery (the receive half
 * is in the cluster's replication, which merges an entry only once its dependencies are merged).
 *
 * <p><b>Visible.</b> For every other origin, the highest sequence whose effect this replica's
 * records may show. It is raised <em>before</em> a replicated entry is handed to the key's shard
 * ({@link #raise}), so any write that could observe the entry's effect captures it, and by {@link
 * #note} before full records from another replica are merged (anti-entropy, read repair: the sender
 * says what its records covered). Only other origins count: a replica's own entries are ordered by
 * its own stream. Raising the vector early only over-approximates what a write depends on, which is
 * safe: the named entries exist, and will arrive.
 *
 * <p><b>Carried.</b> Receivers merge one origin's entries in order, and check each entry's
 * dependencies before merging it; the dependencies of an origin's earlier entries are therefore
 * already satisfied when a later one is checked. So an entry carries ({@link #carry}) only the
 * components of the visible vector that rose since the previous entry was stamped: at most one
 * component per merged batch per origin, however fast the writes, instead of the whole vector in
 * every entry. After a restart, or after an entry that was stamped could not be written, the next
 * entry carries the whole vector again ({@link #forgetCarried}).
 *
 * <p><b>Why this cannot deadlock.</b> An entry only ever waits for entries that had been received
 * by its origin before it was written; those were written before it, in real time. The relation
 * "waits for" therefore follows real time and has no cycles: the oldest entry a replica is missing
 * depends only on older entries, which it has (or which are being delivered, each origin's stream
 * in order), so delivery always progresses. (An origin that is gone for good before its entries
 * reached a replica is the exception no delivery order can fix: anti-entropy must cover them.)
 *
 * <p>Thread-safety: {@link #raise} and {@link #note} may be called from any thread; the write path
 * only reads one volatile reference. {@link #carry} and {@link #forgetCarried} must be called in
 * the order of the sequence numbers they stamp (the RocksDB store calls them under its sequencer).
 */
public final class DependencyTracker {

  private final ReplicaId self;
  private final Object lock = new Object();
  private volatile VersionVector visible;
  private VersionVector carried = VersionVector.EMPTY;

  /**
   * @param self this replica, never part of the vector
   * @param visible what was visible when the store was last open (persisted by the store)
   */
  public DependencyTracker(ReplicaId self, VersionVector visible) {
    this.self = Objects.requireNonNull(self, "self");
    this.visible = visible.with(self, 0);
  }

  /** For every other origin, the highest sequence whose effect the records may show. */
  public VersionVector visible() {
    return visible;
  }

  /**
   * Raises the visible sequence of {@code origin} to {@code seq}, before an entry is merged.
   * Returns whether it rose.
   */
  public boolean raise(ReplicaId origin, long seq) {
    if (origin.equals(self) || visible.get(origin) >= seq) {
      return false;
    }
    synchronized (lock) {
      VersionVector v = visible;
      if (v.get(origin) >= seq) {
        return false;
      }
      visible = v.with(origin, seq);
      return true;
    }
  }

  /**
   * Joins {@code covers} (less this replica) into the visible vector, before full records that
   * cover it are merged. Returns the components that rose, with their new values (for the store to
   * persist), empty when none did.
   */
  public VersionVector note(VersionVector covers) {
    synchronized (lock) {
      VersionVector before = visible;
      VersionVector after = before.merge(covers.with(self, 0));
      visible = after;
      return risen(before, after);
    }
  }

  /**
   * The dependencies the next logged write carries: what is visible now, less what the entries
   * stamped before it already carried. Called in sequence order.
   */
  public VersionVector carry() {
    VersionVector now = visible;
    VersionVector out = risen(carried, now);
    carried = now;
    return out;
  }

  /** The next entry carries the whole visible vector (an entry stamped since was lost). */
  public void forgetCarried() {
    carried = VersionVector.EMPTY;
  }

  /** The components of {@code after} greater than in {@code before}. */
  private static VersionVector risen(VersionVector before, VersionVector after) {
    if (before.equals(after)) {
      return VersionVector.EMPTY;
    }
    VersionVector out = VersionVector.EMPTY;
    for (int i = 0; i < after.size(); i++) {
      long c = after.counterAt(i);
      if (c > before.get(after.replicaAt(i))) {
        out = out.with(after.replicaAt(i), c);
      }
    }
    return out;
  }
}
