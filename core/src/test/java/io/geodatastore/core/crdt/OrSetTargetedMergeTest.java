package io.geodatastore.core.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.causal.DotSet;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.testkit.Gen;
import io.geodatastore.core.testkit.History;
import io.geodatastore.core.testkit.OrSetGen;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;

/**
 * The OR-Set's targeted merge (a small delta into a big set, through the dot index) must equal the
 * linear merge-join, also after the indexed set has been mutated and merged again.
 */
class OrSetTargetedMergeTest {

  private static final int ALPHABET = 120;

  /**
   * A set of at least 40 elements at replica r0, plus a history of small deltas on other replicas.
   */
  private static OrSet bigSet(Random rnd) {
    OrSet s = OrSet.EMPTY;
    ReplicaId r0 = Gen.replica(0);
    int n = 40 + rnd.nextInt(80);
    for (int i = 0; i < n; i++) {
      s = s.add(r0, Gen.element(rnd, ALPHABET)).state();
    }
    while (s.size() < 40) {
      s = s.add(r0, Gen.element(rnd, ALPHABET)).state();
    }
    return s;
  }

  @Property
  void targetedMergeEqualsLinearMergeForSmallDeltasAndStates(@ForAll long seed) {
    Random rnd = new Random(seed);
    OrSet big = bigSet(rnd);
    History<OrSet> h =
        History.run(
            new OrSetGen(ALPHABET),
            seed,
            new History.Config(1 + rnd.nextInt(4), 1 + rnd.nextInt(12), 0, 0, 5_000, 0));
    int targeted = 0;
    for (int i = 0; i < 30; i++) {
      OrSet small = smallState(rnd, h, big);
      String why = "seed=" + seed + " big=" + big + " small=" + small;
      OrSet linear = big.mergeLinearForTest(small);
      Statistics.label("targeted").collect(isTargeted(big, small));
      targeted += isTargeted(big, small) ? 1 : 0;
      assertThat(big.merge(small)).as(why).isEqualTo(linear);
      assertThat(small.merge(big)).as(why + " (swapped)").isEqualTo(linear);
      big = rnd.nextBoolean() ? big.merge(small) : big;
    }
    assertThat(targeted).as("seed=" + seed + ": merges that took the targeted path").isPositive();
  }

  @Property
  void mutationsOfAnIndexedSetKeepTheIndexConsistent(@ForAll long seed) {
    Random rnd = new Random(seed);
    OrSet big = bigSet(rnd);
    ReplicaId r1 = Gen.replica(1);
    for (int round = 0; round < 20; round++) {
      // A delta of another replica that saw big: a remove of one of big's elements, or an add.
      OrSet other = big;
      OrSet delta =
          rnd.nextBoolean()
              ? other.remove(Gen.pick(rnd, big.value())).delta()
              : other.add(r1, Gen.element(rnd, ALPHABET)).delta();
      String why = "seed=" + seed + " round " + round + " big=" + big + " delta=" + delta;
      OrSet merged = big.merge(delta); // builds and carries the index
      assertThat(merged).as(why).isEqualTo(big.mergeLinearForTest(delta));
      // Mutate the indexed result locally, then merge again through the index.
      for (int i = 0; i < 3; i++) {
        String e = Gen.element(rnd, ALPHABET);
        merged =
            rnd.nextInt(3) == 0 && merged.contains(e)
                ? merged.remove(e).state()
                : merged.add(Gen.replica(2), e).state();
      }
      OrSet later = merged.remove(Gen.pick(rnd, merged.value())).delta();
      OrSet fresh = OrSet.of(asMap(merged), merged.context());
      assertThat(merged.merge(later))
          .as(why + " then " + later)
          .isEqualTo(fresh.mergeLinearForTest(later));
      assertThat(merged.merge(delta))
          .as(why + ": delta again")
          .isEqualTo(fresh.mergeLinearForTest(delta));
      big = merged.merge(later);
    }
  }

  private static OrSet smallState(Random rnd, History<OrSet> h, OrSet big) {
    return switch (rnd.nextInt(4)) {
      case 0 -> h.steps.isEmpty() ? OrSet.EMPTY : Gen.pick(rnd, h.steps).update().delta();
      case 1 -> big.remove(Gen.pick(rnd, big.value())).delta();
      case 2 -> big.add(Gen.replica(1 + rnd.nextInt(3)), Gen.element(rnd, ALPHABET)).delta();
      default ->
          big.removeAll(List.of(Gen.pick(rnd, big.value()), Gen.pick(rnd, big.value())))
              .delta()
              .merge(h.randomState(rnd).size() <= 2 ? h.randomState(rnd) : OrSet.EMPTY);
    };
  }

  /** The condition under which {@link OrSet#merge} takes the targeted path. */
  private static boolean isTargeted(OrSet a, OrSet b) {
    OrSet big = a.size() >= b.size() ? a : b;
    OrSet small = big == a ? b : a;
    return big.size() >= 32 && (small.size() + small.context().dotCount()) * 4 <= big.size();
  }

  static Map<String, DotSet> asMap(OrSet s) {
    Map<String, DotSet> m = new TreeMap<>();
    s.entries().forEach(m::put);
    return m;
  }
}
