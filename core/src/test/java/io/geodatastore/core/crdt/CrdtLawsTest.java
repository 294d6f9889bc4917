package io.geodatastore.core.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.testkit.History;
import io.geodatastore.core.testkit.TypeGen;
import io.geodatastore.core.testkit.Types;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The join-semilattice and delta laws of every data type, on states and deltas drawn from seeded
 * random histories. A failure names the type and the seed; {@code History.run(gen, seed, false)}
 * replays it.
 */
class CrdtLawsTest {

  @Property
  void mergeIsCommutativeAssociativeAndIdempotent(@ForAll Types type, @ForAll long seed) {
    semilattice(type.gen(), seed);
  }

  @Property
  void bottomIsTheIdentityOfMerge(@ForAll Types type, @ForAll long seed) {
    identity(type.gen(), seed);
  }

  @Property
  void deltaMergedIntoThePreStateGivesThePostState(@ForAll Types type, @ForAll long seed) {
    deltaIntoPre(type.gen(), seed);
  }

  @Property
  void deltaMergedIntoAnyLaterStateActsLikeTheMutation(@ForAll Types type, @ForAll long seed) {
    deltaIntoLater(type.gen(), seed);
  }

  @Property
  void joinedDeltaGroupEqualsApplyingTheDeltasOneByOne(@ForAll Types type, @ForAll long seed) {
    deltaGroups(type.gen(), seed);
  }

  private static <T extends Crdt<T>> void semilattice(TypeGen<T> gen, long seed) {
    History<T> h = History.run(gen, seed, false);
    Random rnd = new Random(seed);
    for (int i = 0; i < 20; i++) {
      T a = h.randomState(rnd);
      T b = h.randomState(rnd);
      T c = h.randomState(rnd);
      String why = h.describe() + " a=" + a + " b=" + b + " c=" + c;
      assertThat(a.merge(b)).as(why + ": commutative").isEqualTo(b.merge(a));
      assertThat(a.merge(b).merge(c)).as(why + ": associative").isEqualTo(a.merge(b.merge(c)));
      assertThat(a.merge(a)).as(why + ": idempotent").isEqualTo(a);
      assertThat(a.merge(b).merge(b)).as(why + ": idempotent after a merge").isEqualTo(a.merge(b));
      assertThat(a.merge(b).hashCode())
          .as(why + ": equal joins hash alike")
          .isEqualTo(b.merge(a).hashCode());
      assertThat(a.mergeReporting(b).state())
          .as(why + ": mergeReporting joins")
          .isEqualTo(a.merge(b));
    }
  }

  private static <T extends Crdt<T>> void identity(TypeGen<T> gen, long seed) {
    History<T> h = History.run(gen, seed, false);
    T bottom = gen.empty();
    assertThat(bottom.isEmpty()).isTrue();
    assertThat(gen.type().empty()).isEqualTo(bottom);
    Random rnd = new Random(seed);
    for (int i = 0; i < 20; i++) {
      T a = h.randomState(rnd);
      String why = h.describe() + " a=" + a;
      assertThat(a.merge(bottom)).as(why + ": a ⊔ ⊥").isEqualTo(a);
      assertThat(bottom.merge(a)).as(why + ": ⊥ ⊔ a").isEqualTo(a);
      assertThat(a.mergeReporting(bottom).conflicts()).as(why + ": nothing to report").isEmpty();
    }
  }

  private static <T extends Crdt<T>> void deltaIntoPre(TypeGen<T> gen, long seed) {
    History<T> h = History.run(gen, seed, false);
    for (History.Step<T> s : h.steps) {
      String why = h.describe() + " " + s.description() + " on " + s.pre();
      assertThat(s.pre().merge(s.update().delta())).as(why).isEqualTo(s.update().state());
      assertThat(s.update().delta().merge(s.pre())).as(why).isEqualTo(s.update().state());
      assertThat(s.update().changed())
          .as(why + ": changed iff the state changed")
          .isEqualTo(!s.pre().equals(s.update().state()));
    }
  }

  private static <T extends Crdt<T>> void deltaIntoLater(TypeGen<T> gen, long seed) {
    History<T> h = History.run(gen, seed, false);
    Random rnd = new Random(seed);
    for (History.Step<T> s : h.steps) {
      T later = s.pre().merge(h.randomState(rnd)).merge(h.randomState(rnd));
      T delta = s.update().delta();
      String why = h.describe() + " " + s.description() + " on " + s.pre() + ", later " + later;
      assertThat(later.merge(delta)).as(why).isEqualTo(later.merge(s.update().state()));
      assertThat(delta.merge(later)).as(why).isEqualTo(later.merge(s.update().state()));
    }
  }

  private static <T extends Crdt<T>> void deltaGroups(TypeGen<T> gen, long seed) {
    History<T> h = History.run(gen, seed, false);
    Random rnd = new Random(seed);
    for (int r = 0; r < h.config.replicas(); r++) {
      int replica = r;
      List<History.Step<T>> mine = h.steps.stream().filter(s -> s.replica() == replica).toList();
      if (mine.isEmpty()) {
        continue;
      }
      int from = rnd.nextInt(mine.size());
      int to = from + rnd.nextInt(mine.size() - from);
      T group = gen.empty();
      T x = mine.get(from).pre().merge(h.randomState(rnd));
      T oneByOne = x;
      for (History.Step<T> s : mine.subList(from, to + 1)) {
        group = group.merge(s.update().delta());
        oneByOne = oneByOne.merge(s.update().delta());
      }
      String why = h.describe() + " replica " + replica + " steps " + from + ".." + to;
      assertThat(x.merge(group)).as(why + ": group vs one by one").isEqualTo(oneByOne);
      // A replica's state only grows, so y includes the causal past of every delta of the group.
      T y = x.merge(mine.get(to).pre());
      assertThat(y.merge(group))
          .as(why + ": group vs the last state")
          .isEqualTo(y.merge(mine.get(to).update().state()));
    }
  }
}
