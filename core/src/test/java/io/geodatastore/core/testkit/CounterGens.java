package io.geodatastore.core.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.GCounter;
import io.geodatastore.core.crdt.PnCounter;
import io.geodatastore.core.crdt.Update;
import java.util.List;
import java.util.Random;

/** Generators of G-Counter and PN-Counter operations; the model is the sum of the amounts. */
public final class CounterGens {

  private CounterGens() {}

  /** Increments, with amounts 0, 1, small and large. */
  public static TypeGen<GCounter> gCounter() {
    return new TypeGen<>() {
      @Override
      public CrdtType type() {
        return CrdtType.G_COUNTER;
      }

      @Override
      public GCounter empty() {
        return GCounter.EMPTY;
      }

      @Override
      public Model<GCounter> newModel(int replicas) {
        return new SumModel<>(GCounter::value);
      }

      @Override
      public Op<GCounter> randomOp(
          Random rnd,
          Node<GCounter> at,
          List<Node<GCounter>> nodes,
          long trueMs,
          Model<GCounter> m) {
        long amount = Gen.amount(rnd);
        Update<GCounter> u = at.state.increment(at.id, amount);
        ((SumModel<GCounter>) m).sum += amount;
        return new Op<>(u, null, "increment " + amount);
      }
    };
  }

  /** Increments and decrements, with amounts 0, 1, small and large. */
  public static TypeGen<PnCounter> pnCounter() {
    return new TypeGen<>() {
      @Override
      public CrdtType type() {
        return CrdtType.PN_COUNTER;
      }

      @Override
      public PnCounter empty() {
        return PnCounter.EMPTY;
      }

      @Override
      public Model<PnCounter> newModel(int replicas) {
        return new SumModel<>(PnCounter::value);
      }

      @Override
      public Op<PnCounter> randomOp(
          Random rnd,
          Node<PnCounter> at,
          List<Node<PnCounter>> nodes,
          long trueMs,
          Model<PnCounter> m) {
        long amount = Gen.amount(rnd);
        SumModel<PnCounter> model = (SumModel<PnCounter>) m;
        if (rnd.nextBoolean()) {
          model.sum += amount;
          return new Op<>(at.state.increment(at.id, amount), null, "increment " + amount);
        }
        model.sum -= amount;
        return new Op<>(at.state.decrement(at.id, amount), null, "decrement " + amount);
      }
    };
  }

  private static final class SumModel<T extends io.geodatastore.core.crdt.Crdt<T>>
      implements TypeGen.Model<T> {
    private final java.util.function.ToLongFunction<T> value;
    long sum;

    SumModel(java.util.function.ToLongFunction<T> value) {
      this.value = value;
    }

    @Override
    public void checkConverged(T state, String context) {
      assertThat(value.applyAsLong(state)).as(context + ": sum of the amounts").isEqualTo(sum);
    }
  }
}
