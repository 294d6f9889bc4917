package io.geodatastore.core.op;

import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.crdt.Conflict;
import io.geodatastore.core.crdt.Crdt;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.GCounter;
import io.geodatastore.core.crdt.GSet;
import io.geodatastore.core.crdt.LwwRegister;
import io.geodatastore.core.crdt.MvRegister;
import io.geodatastore.core.crdt.OrSet;
import io.geodatastore.core.crdt.PnCounter;
import io.geodatastore.core.crdt.TwoPhaseSet;
import io.geodatastore.core.crdt.Update;
import java.util.ArrayList;
import java.util.List;

/** Applies an {@link Operation} to a state through the types' delta mutators. */
public final class Operations {

  private Operations() {}

  /**
   * The outcome of applying an operation: either the new state, its delta and conflicts, or a
   * refusal that changed nothing.
   */
  public sealed interface Outcome {}

  /**
   * The operation applied.
   *
   * @param state the new state
   * @param delta the delta to replicate (bottom when nothing changed)
   * @param conflicts what the conflict log should record
   */
  public record Applied(Crdt<?> state, Crdt<?> delta, List<Conflict> conflicts) implements Outcome {
    public Applied {
      conflicts = List.copyOf(conflicts);
    }
  }

  /** The key's type does not take this operation (e.g. decrement on a G-Counter). */
  public record TypeMismatch(CrdtType actual, Operation operation) implements Outcome {}

  /** A counter would leave the 64-bit range; nothing changed. */
  public record Overflow(String message) implements Outcome {}

  /**
   * Applies {@code op} to {@code state} (of {@code type}; the bottom state when the key is new) on
   * behalf of {@code replica}, with {@code now} as the LWW timestamp.
   */
  public static Outcome apply(
      CrdtType type, Crdt<?> state, Operation op, ReplicaId replica, HlcTimestamp now) {
    if (state.type() != type) {
      throw new IllegalArgumentException("state of " + state.type() + " given as " + type);
    }
    if (!op.appliesTo(type)) {
      return new TypeMismatch(type, op);
    }
    try {
      return switch (op) {
        case Operation.Create c ->
            c.then() == null
                ? new Applied(state, type.empty(), List.of())
                : apply(type, state, c.then(), replica, now);
        case Operation.Increment i -> increment(state, replica, i.amount());
        case Operation.Decrement d -> applied(((PnCounter) state).decrement(replica, d.amount()));
        case Operation.Add a -> add(state, replica, a.elements());
        case Operation.Remove r -> remove(state, r.elements());
        case Operation.Write w -> write(state, replica, w, now);
      };
    } catch (ArithmeticException e) {
      return new Overflow(e.getMessage());
    }
  }

  private static Outcome increment(Crdt<?> state, ReplicaId replica, long amount) {
    return switch (state) {
      case GCounter g -> applied(g.increment(replica, amount));
      case PnCounter p -> applied(p.increment(replica, amount));
      default -> throw new IllegalStateException("unreachable: " + state.type());
    };
  }

  private static Outcome add(Crdt<?> state, ReplicaId replica, List<String> elements) {
    return switch (state) {
      case GSet s -> fold(s, elements, (x, e) -> x.add(e));
      case TwoPhaseSet s -> fold(s, elements, (x, e) -> x.add(e));
      case OrSet s -> applied(s.addAll(replica, elements));
      default -> throw new IllegalStateException("unreachable: " + state.type());
    };
  }

  private static Outcome remove(Crdt<?> state, List<String> elements) {
    return switch (state) {
      case TwoPhaseSet s -> fold(s, elements, (x, e) -> x.remove(e));
      case OrSet s -> applied(s.removeAll(elements));
      default -> throw new IllegalStateException("unreachable: " + state.type());
    };
  }

  private static Outcome write(
      Crdt<?> state, ReplicaId replica, Operation.Write w, HlcTimestamp now) {
    return switch (state) {
      case LwwRegister r -> applied(r.write(replica, w.value(), now));
      case MvRegister r -> applied(r.write(replica, w.value(), w.context()));
      default -> throw new IllegalStateException("unreachable: " + state.type());
    };
  }

  /** One step of a multi-element operation. */
  private interface Step<T extends Crdt<T>> {
    Update<T> apply(T state, String element);
  }

  private static <T extends Crdt<T>> Outcome fold(T state, List<String> elements, Step<T> step) {
    T s = state;
    @SuppressWarnings("unchecked")
    T delta = (T) state.type().empty();
    List<Conflict> conflicts = new ArrayList<>();
    for (String e : elements) {
      Update<T> u = step.apply(s, e);
      s = u.state();
      delta = delta.merge(u.delta());
      conflicts.addAll(u.conflicts());
    }
    return new Applied(s, delta, conflicts);
  }

  private static Outcome applied(Update<?> u) {
    return new Applied(u.state(), u.delta(), u.conflicts());
  }
}
