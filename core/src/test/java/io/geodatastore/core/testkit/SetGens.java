package io.geodatastore.core.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.crdt.Conflict;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.GSet;
import io.geodatastore.core.crdt.TwoPhaseSet;
import io.geodatastore.core.crdt.Update;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

/** Generators of G-Set and 2P-Set operations over a small alphabet. */
public final class SetGens {

  private SetGens() {}

  /** Adds; the model is the union of the adds. */
  public static TypeGen<GSet> gSet(int alphabetSize) {
    return new TypeGen<>() {
      @Override
      public CrdtType type() {
        return CrdtType.G_SET;
      }

      @Override
      public GSet empty() {
        return GSet.EMPTY;
      }

      @Override
      public Model<GSet> newModel(int replicas) {
        return new ElementsModel<>(GSet::value);
      }

      @Override
      public Op<GSet> randomOp(
          Random rnd, Node<GSet> at, List<Node<GSet>> nodes, long trueMs, Model<GSet> m) {
        String e = Gen.element(rnd, alphabetSize);
        ((ElementsModel<GSet>) m).added.add(e);
        return new Op<>(at.state.add(e), null, "add " + e);
      }
    };
  }

  /**
   * Adds and removes; the model is the adds minus the removes, a remove taking effect only where
   * the element is live. A re-add of a removed element must be refused with a conflict.
   */
  public static TypeGen<TwoPhaseSet> twoPhaseSet(int alphabetSize) {
    return new TypeGen<>() {
      @Override
      public CrdtType type() {
        return CrdtType.TWO_PHASE_SET;
      }

      @Override
      public TwoPhaseSet empty() {
        return TwoPhaseSet.EMPTY;
      }

      @Override
      public Model<TwoPhaseSet> newModel(int replicas) {
        return new ElementsModel<>(TwoPhaseSet::value);
      }

      @Override
      public Op<TwoPhaseSet> randomOp(
          Random rnd,
          Node<TwoPhaseSet> at,
          List<Node<TwoPhaseSet>> nodes,
          long trueMs,
          Model<TwoPhaseSet> m) {
        ElementsModel<TwoPhaseSet> model = (ElementsModel<TwoPhaseSet>) m;
        String e = Gen.element(rnd, alphabetSize);
        if (rnd.nextInt(3) == 0) {
          Update<TwoPhaseSet> u = at.state.remove(e);
          assertThat(u.changed())
              .as("remove changes the set iff live")
              .isEqualTo(at.state.contains(e));
          if (u.changed()) {
            model.removed.add(e);
          }
          return new Op<>(u, null, "remove " + e);
        }
        Update<TwoPhaseSet> u = at.state.add(e);
        if (at.state.isRemoved(e)) {
          assertThat(u.conflicts())
              .extracting(Conflict::kind)
              .containsExactly(Conflict.Kind.TWO_PHASE_SET_READD_REFUSED);
          assertThat(u.changed()).isFalse();
        }
        model.added.add(e);
        return new Op<>(u, null, "add " + e);
      }
    };
  }

  private static final class ElementsModel<T extends io.geodatastore.core.crdt.Crdt<T>>
      implements TypeGen.Model<T> {
    private final java.util.function.Function<T, List<String>> value;
    final TreeSet<String> added = new TreeSet<>();
    final TreeSet<String> removed = new TreeSet<>();

    ElementsModel(java.util.function.Function<T, List<String>> value) {
      this.value = value;
    }

    @Override
    public void checkConverged(T state, String context) {
      TreeSet<String> expected = new TreeSet<>(added);
      expected.removeAll(removed);
      assertThat(value.apply(state))
          .as(context + ": adds minus removes")
          .containsExactlyElementsOf(expected);
    }
  }
}
