package io.geodatastore.core.crdt;

import java.util.List;

/**
 * A state-based CRDT whose states form a join semilattice.
 *
 * <p>Every implementation is final and immutable; {@link #merge} is the join (commutative,
 * associative, idempotent); mutators return an {@link Update} whose delta is itself a state of the
 * same type, so merging the delta into any replica that has the mutation's causal past has the
 * effect of the mutation. {@code equals} compares replicated state only.
 *
 * @param <T> the implementing type
 */
public sealed interface Crdt<T extends Crdt<T>>
    permits GCounter, PnCounter, GSet, TwoPhaseSet, OrSet, LwwRegister, MvRegister {

  CrdtType type();

  /** The join of this state and {@code other}. */
  T merge(T other);

  /** Whether this is the bottom state, the identity of {@link #merge}. */
  boolean isEmpty();

  /**
   * The join, with the conflicts an operator should see (a concurrent LWW write dropped, an
   * MV-Register now holding several values). The state is always {@code merge(other)}.
   */
  default Merged<T> mergeReporting(T other) {
    return new Merged<>(merge(other), List.of());
  }

  /**
   * The join with a state known only as {@code Crdt<?>}, as a store holds them.
   *
   * @throws IllegalArgumentException when {@code other} is of another type
   */
  @SuppressWarnings("unchecked")
  default Merged<T> mergeAny(Crdt<?> other) {
    if (other.type() != type()) {
      throw new IllegalArgumentException("cannot merge " + other.type() + " into " + type());
    }
    return mergeReporting((T) other);
  }

  /**
   * The result of a merge.
   *
   * @param state the joined state
   * @param conflicts what the join resolved that hid or dropped a concurrent write
   */
  record Merged<T>(T state, List<Conflict> conflicts) {
    public Merged {
      conflicts = List.copyOf(conflicts);
    }
  }
}
