package io.geodatastore.storage;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.Conflict;
import io.geodatastore.core.crdt.Crdt;
import io.geodatastore.core.crdt.CrdtType;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a replica holds for one key: the epoch (incarnation) it is in, whether it is live or a
 * tombstone, its CRDT state, and the replication dot of the delete that began the epoch.
 *
 * <p>The join of two records ({@link #merge}) is lexicographic: the greater epoch wins wholesale;
 * in the same epoch the states join and the record is live when either is. Two records of one epoch
 * but different types (one key created concurrently with two types) resolve to the lower type tag,
 * the same on every replica, and report a {@link Conflict.Kind#TYPE_MISMATCH} conflict.
 *
 * @param type the key's type (for a tombstone, the type it had)
 * @param epoch the incarnation
 * @param live false for a tombstone
 * @param state the state; the bottom state for a tombstone
 * @param epochDot the delete that began {@code epoch} as (origin replica, replication sequence), or
 *     null in the zero epoch; once every replica has it ({@link #normalize}) the epoch can be
 *     forgotten
 */
public record KeyRecord(CrdtType type, Epoch epoch, boolean live, Crdt<?> state, Dot epochDot) {

  public KeyRecord {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(epoch, "epoch");
    Objects.requireNonNull(state, "state");
    if (state.type() != type) {
      throw new IllegalArgumentException("a " + type + " record with a " + state.type() + " state");
    }
    if (!live && !state.isEmpty()) {
      throw new IllegalArgumentException("a tombstone holds no state");
    }
    if (epoch.isZero() != (epochDot == null)) {
      throw new IllegalArgumentException("an epoch dot goes with a non-zero epoch, and only then");
    }
  }

  /** A live record in the zero epoch. */
  public static KeyRecord live(Crdt<?> state) {
    return new KeyRecord(state.type(), Epoch.ZERO, true, state, null);
  }

  /** A tombstone beginning {@code epoch}, written by the delete {@code epochDot}. */
  public static KeyRecord tombstone(CrdtType type, Epoch epoch, Dot epochDot) {
    return new KeyRecord(type, epoch, false, type.empty(), epochDot);
  }

  /** This record with another state (and live). */
  public KeyRecord withState(Crdt<?> newState) {
    return new KeyRecord(type, epoch, true, newState, epochDot);
  }

  /** The record after a join, with the conflicts it resolved. */
  public record Merged(KeyRecord record, List<Conflict> conflicts) {}

  /**
   * The join of {@code local} (null when the key is absent here) and {@code incoming}.
   *
   * @return the joined record; its {@code record} is {@code local} itself when nothing changed
   */
  public static Merged merge(KeyRecord local, KeyRecord incoming) {
    if (local == null) {
      return new Merged(incoming, List.of());
    }
    int c = local.epoch.compareTo(incoming.epoch);
    if (c > 0) {
      return new Merged(local, List.of());
    }
    if (c < 0) {
      return new Merged(incoming, List.of());
    }
    if (local.type != incoming.type) {
      return mergeTypes(local, incoming);
    }
    Crdt.Merged<?> m = local.state.mergeAny(incoming.state);
    Crdt<?> state = (Crdt<?>) m.state();
    boolean live = local.live || incoming.live;
    Dot dot = local.epochDot != null ? local.epochDot : incoming.epochDot;
    if (state.equals(local.state) && live == local.live) {
      // Unchanged, but an incoming write may still have lost here (an older concurrent LWW
      // write): that is a conflict at this replica too.
      return new Merged(local, m.conflicts());
    }
    return new Merged(new KeyRecord(local.type, local.epoch, live, state, dot), m.conflicts());
  }

  private static Merged mergeTypes(KeyRecord a, KeyRecord b) {
    // A tombstone has no state to keep: the live record of the same epoch simply wins.
    if (!a.live || !b.live) {
      KeyRecord winner = a.live ? a : b.live ? b : a.type.tag() < b.type.tag() ? a : b;
      return new Merged(winner, List.of());
    }
    KeyRecord winner = a.type.tag() < b.type.tag() ? a : b;
    KeyRecord loser = winner == a ? b : a;
    List<String> values = new ArrayList<>();
    values.add(winner.type.apiName());
    values.add(loser.type.apiName());
    Conflict conflict =
        new Conflict(
            Conflict.Kind.TYPE_MISMATCH,
            "key created concurrently as "
                + winner.type.apiName()
                + " and "
                + loser.type.apiName()
                + "; kept "
                + winner.type.apiName()
                + " (lower type tag), dropped the "
                + loser.type.apiName(),
            values,
            List.of());
    return new Merged(winner, List.of(conflict));
  }

  /**
   * This record with a causally stable epoch forgotten: when every replica has the delete that
   * began the epoch ({@code horizon} includes {@link #epochDot}), the epoch is equivalent to the
   * zero epoch everywhere. Returns null for a stable tombstone: it can be dropped.
   */
  public KeyRecord normalize(VersionVector horizon) {
    if (epochDot == null || !horizon.contains(epochDot)) {
      return this;
    }
    return live ? new KeyRecord(type, Epoch.ZERO, true, state, null) : null;
  }
}
