package io.geodatastore.wire;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.DotContext;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * The replica ids a message refers to, each once, sorted ascending; encodings name a replica by its
 * index here. Sorting makes the dictionary, and so the bytes, a function of the state alone.
 *
 * <p>A message that carries many version vectors (a replication batch's dependency vectors) builds
 * one dictionary for all of them and sends it once. Immutable.
 */
public final class ReplicaDictionary {

  /** The most entries a decoded dictionary may have; a hostile length is refused before use. */
  public static final int SIZE_MAX = 1_000_000;

  public static final ReplicaDictionary EMPTY = new ReplicaDictionary(new ReplicaId[0]);

  private final ReplicaId[] ids;

  private ReplicaDictionary(ReplicaId[] ids) {
    this.ids = ids;
  }

  /** The dictionary of exactly these replicas; duplicates collapse. */
  public static ReplicaDictionary of(Collection<ReplicaId> replicas) {
    return builder().addAll(replicas).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The dictionary as it was sent.
   *
   * @throws WireFormatException when there are more than {@link #SIZE_MAX} entries, an entry is not
   *     a valid replica id, or the entries are not strictly ascending
   */
  public static ReplicaDictionary fromWire(List<String> replicas) throws WireFormatException {
    if (replicas.size() > SIZE_MAX) {
      throw new WireFormatException(
          "replica dictionary has " + replicas.size() + " entries, more than " + SIZE_MAX);
    }
    ReplicaId[] ids = new ReplicaId[replicas.size()];
    for (int i = 0; i < ids.length; i++) {
      try {
        ids[i] = ReplicaId.of(replicas.get(i));
      } catch (IllegalArgumentException e) {
        throw new WireFormatException("replica dictionary entry " + i + " is invalid", e);
      }
      if (i > 0 && ids[i - 1].compareTo(ids[i]) >= 0) {
        throw new WireFormatException(
            "replica dictionary is not strictly ascending at entry " + i + ": " + ids[i]);
      }
    }
    return ids.length == 0 ? EMPTY : new ReplicaDictionary(ids);
  }

  /** The entries as sent: replica id text, ascending. */
  public List<String> toWire() {
    List<String> out = new ArrayList<>(ids.length);
    for (ReplicaId id : ids) {
      out.add(id.value());
    }
    return out;
  }

  public int size() {
    return ids.length;
  }

  /**
   * The replica at {@code index}, as read from a message.
   *
   * @throws WireFormatException when the index is outside the dictionary
   */
  public ReplicaId replica(long index) throws WireFormatException {
    if (index < 0 || index >= ids.length) {
      throw new WireFormatException(
          "replica index " + index + " is outside the dictionary of " + ids.length);
    }
    return ids[(int) index];
  }

  /**
   * The index of {@code replica}.
   *
   * @throws IllegalArgumentException when the dictionary does not hold it: the encoder built the
   *     dictionary from the wrong values, a programming error
   */
  public int indexOf(ReplicaId replica) {
    int i = Arrays.binarySearch(ids, replica);
    if (i < 0) {
      throw new IllegalArgumentException("replica " + replica + " is not in the dictionary");
    }
    return i;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReplicaDictionary d && Arrays.equals(ids, d.ids);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(ids);
  }

  @Override
  public String toString() {
    return Arrays.toString(ids);
  }

  /** Collects the replicas of the values a message will carry. Not thread-safe. */
  public static final class Builder {

    private final TreeSet<ReplicaId> ids = new TreeSet<>();

    private Builder() {}

    public Builder add(ReplicaId replica) {
      ids.add(replica);
      return this;
    }

    public Builder addAll(Collection<ReplicaId> replicas) {
      ids.addAll(replicas);
      return this;
    }

    /** Adds the replica of every entry of {@code vector}. */
    public Builder addAll(VersionVector vector) {
      for (int i = 0; i < vector.size(); i++) {
        ids.add(vector.replicaAt(i));
      }
      return this;
    }

    /** Adds the replica of every entry and cloud dot of {@code context}. */
    public Builder addAll(DotContext context) {
      addAll(context.versionVector());
      for (Dot d : context.cloud()) {
        ids.add(d.replica());
      }
      return this;
    }

    public ReplicaDictionary build() {
      return ids.isEmpty() ? EMPTY : new ReplicaDictionary(ids.toArray(new ReplicaId[0]));
    }
  }
}
