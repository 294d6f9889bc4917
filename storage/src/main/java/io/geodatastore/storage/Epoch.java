package io.geodatastore.storage;

import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.ReplicaId;
import java.util.Comparator;
import java.util.Objects;

/**
 * A key's incarnation. A key is born in {@link #ZERO}; every delete starts a new, greater epoch
 * (the deleter's HLC time and replica id). A record of a greater epoch replaces one of a smaller
 * epoch wholesale, so a delete wins over the writes it saw and those concurrent with it, and writes
 * after a delete start from an empty state. Records of the same epoch join as CRDTs. Epochs are
 * totally ordered, so this lexicographic pair (epoch, state) is itself a join semilattice.
 *
 * @param timestamp the HLC time of the delete that began this epoch
 * @param replica the replica that deleted, or null for {@link #ZERO}
 */
public record Epoch(HlcTimestamp timestamp, ReplicaId replica) implements Comparable<Epoch> {

  /** The epoch every key is born in. */
  public static final Epoch ZERO = new Epoch(HlcTimestamp.ZERO, null);

  private static final Comparator<Epoch> ORDER =
      Comparator.comparing(Epoch::timestamp)
          .thenComparing(Epoch::replica, Comparator.nullsFirst(Comparator.naturalOrder()));

  public Epoch {
    Objects.requireNonNull(timestamp, "timestamp");
    if ((replica == null) != timestamp.equals(HlcTimestamp.ZERO)) {
      throw new IllegalArgumentException("only the zero epoch has no replica: " + timestamp);
    }
  }

  public boolean isZero() {
    return replica == null;
  }

  @Override
  public int compareTo(Epoch o) {
    return ORDER.compare(this, o);
  }

  @Override
  public String toString() {
    return isZero() ? "epoch0" : "epoch(" + timestamp + " by " + replica + ")";
  }
}
