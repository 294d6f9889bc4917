package io.geodatastore.core.crdt;

import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.ReplicaId;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * LWW-Register: a last-writer-wins register (Shapiro et al. 2011, §3.2.1). Writes are ordered by
 * hybrid-logical-clock timestamp, then by writer replica id, then (only to make the order total
 * should one replica ever reuse a timestamp) by value; the greatest write wins on every replica.
 *
 * <p>Each write also records the timestamp of the write it replaced ({@code observed}). When a
 * merge keeps one write and drops another whose timestamp the winner had not observed, the two were
 * concurrent and the loser is reported as a {@link Conflict.Kind#LWW_CONCURRENT_OVERWRITE}. A local
 * write whose timestamp is not greater than the current one (a writer whose clock was held back by
 * the HLC's max-offset guard) loses and is reported as {@link Conflict.Kind#LWW_WRITE_LOST}. This
 * class is immutable.
 */
public final class LwwRegister implements Crdt<LwwRegister> {

  public static final LwwRegister EMPTY =
      new LwwRegister(null, HlcTimestamp.ZERO, null, HlcTimestamp.ZERO);

  private static final Comparator<LwwRegister> ORDER =
      Comparator.comparing(LwwRegister::timestamp)
          .thenComparing(r -> r.writer, Comparator.nullsFirst(Comparator.naturalOrder()))
          .thenComparing(r -> r.value, Comparator.nullsFirst(Comparator.naturalOrder()))
          .thenComparing(LwwRegister::observed);

  private final String value;
  private final HlcTimestamp timestamp;
  private final ReplicaId writer;
  private final HlcTimestamp observed;

  private LwwRegister(
      String value, HlcTimestamp timestamp, ReplicaId writer, HlcTimestamp observed) {
    this.value = value;
    this.timestamp = timestamp;
    this.writer = writer;
    this.observed = observed;
  }

  /**
   * A register holding one write, as decoded.
   *
   * @param observed the timestamp of the write this one replaced; before {@code timestamp}
   */
  public static LwwRegister of(
      String value, HlcTimestamp timestamp, ReplicaId writer, HlcTimestamp observed) {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(writer, "writer");
    if (!timestamp.isAfter(observed)) {
      throw new IllegalArgumentException(
          "an LWW write at " + timestamp + " cannot replace one at " + observed);
    }
    return new LwwRegister(value, timestamp, writer, observed);
  }

  @Override
  public CrdtType type() {
    return CrdtType.LWW_REGISTER;
  }

  /** The winning value, or null when nothing was written. */
  public String value() {
    return value;
  }

  public HlcTimestamp timestamp() {
    return timestamp;
  }

  /** The replica of the winning write, or null when nothing was written. */
  public ReplicaId writer() {
    return writer;
  }

  /** The timestamp of the write the winning write replaced. */
  public HlcTimestamp observed() {
    return observed;
  }

  /** Writes {@code value} at {@code timestamp} on behalf of {@code replica}. */
  public Update<LwwRegister> write(ReplicaId replica, String value, HlcTimestamp timestamp) {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(replica, "replica");
    if (!timestamp.isAfter(HlcTimestamp.ZERO)) {
      throw new IllegalArgumentException("an LWW write needs a timestamp after zero");
    }
    LwwRegister w = new LwwRegister(value, timestamp, replica, this.timestamp);
    if (!timestamp.isAfter(this.timestamp) || ORDER.compare(w, this) <= 0) {
      Conflict c =
          new Conflict(
              Conflict.Kind.LWW_WRITE_LOST,
              "write at "
                  + timestamp
                  + " lost to the current value written at "
                  + this.timestamp
                  + " (the writer's clock is behind)",
              List.of(this.value, value),
              List.of(writer, replica));
      return new Update<>(this, EMPTY, List.of(c));
    }
    return Update.of(w, w);
  }

  @Override
  public LwwRegister merge(LwwRegister other) {
    return ORDER.compare(this, other) >= 0 ? this : other;
  }

  @Override
  public Merged<LwwRegister> mergeReporting(LwwRegister other) {
    LwwRegister winner = merge(other);
    LwwRegister loser = winner == this ? other : this;
    if (loser.isEmpty()
        || loser.equals(winner)
        || loser.value.equals(winner.value)
        || loser.timestamp.compareTo(winner.observed) <= 0) {
      return new Merged<>(winner, List.of());
    }
    Conflict c =
        new Conflict(
            Conflict.Kind.LWW_CONCURRENT_OVERWRITE,
            "concurrent writes: kept the one at "
                + winner.timestamp
                + " by "
                + winner.writer
                + ", dropped the one at "
                + loser.timestamp
                + " by "
                + loser.writer,
            List.of(winner.value, loser.value),
            List.of(winner.writer, loser.writer));
    return new Merged<>(winner, List.of(c));
  }

  @Override
  public boolean isEmpty() {
    return writer == null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LwwRegister r
        && timestamp.equals(r.timestamp)
        && Objects.equals(writer, r.writer)
        && Objects.equals(value, r.value)
        && observed.equals(r.observed);
  }

  @Override
  public int hashCode() {
    return Objects.hash(value, timestamp, writer, observed);
  }

  @Override
  public String toString() {
    return isEmpty()
        ? "LwwRegister[]"
        : "LwwRegister[" + value + " @" + timestamp + " by " + writer + "]";
  }
}
