package io.geodatastore.core.crdt;

import java.util.List;
import java.util.Objects;

/**
 * The result of a mutation.
 *
 * @param state the new local state
 * @param delta a state of the same type that carries just this mutation; the bottom state when the
 *     mutation changed nothing
 * @param conflicts what the conflict log should record about this mutation (a refused 2P-Set
 *     re-add, an LWW write that lost, an MV-Register left with several values)
 * @param <T> the data type
 */
public record Update<T extends Crdt<T>>(T state, T delta, List<Conflict> conflicts) {

  public Update {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(delta, "delta");
    conflicts = List.copyOf(conflicts);
  }

  static <T extends Crdt<T>> Update<T> of(T state, T delta) {
    return new Update<>(state, delta, List.of());
  }

  /** Whether the mutation changed the state. */
  public boolean changed() {
    return !delta.isEmpty();
  }
}
