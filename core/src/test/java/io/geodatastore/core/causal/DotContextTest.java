package io.geodatastore.core.causal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class DotContextTest {

  private static final ReplicaId A = ReplicaId.of("a");

  @Test
  void aCloudFoldsIntoTheVectorOnceTheGapIsFilled() {
    DotContext c = DotContext.of(Dot.of("a", 1), Dot.of("a", 3), Dot.of("a", 4));
    assertThat(c.versionVector()).isEqualTo(VersionVector.of(A, 1));
    assertThat(c.cloud()).containsExactly(Dot.of("a", 3), Dot.of("a", 4));
    DotContext filled = c.add(Dot.of("a", 2));
    assertThat(filled.versionVector()).isEqualTo(VersionVector.of(A, 4));
    assertThat(filled.cloud()).isEmpty();
    assertThat(filled.dotCount()).isEqualTo(4);
  }

  @Test
  void mergingTwoCloudsFoldsWhatBecomesContiguous() {
    DotContext left = DotContext.of(Dot.of("a", 2), Dot.of("b", 1));
    DotContext right = DotContext.of(Dot.of("a", 1), Dot.of("a", 3));
    DotContext m = left.merge(right);
    assertThat(m)
        .isEqualTo(DotContext.of(VersionVector.of(java.util.Map.of(A, 3L, ReplicaId.of("b"), 1L))));
    assertThat(m.cloud()).isEmpty();
  }

  @Test
  void nextDotIsOnePastTheHighestIssuedIncludingTheCloud() {
    assertThat(DotContext.EMPTY.nextDot(A)).isEqualTo(Dot.of("a", 1));
    assertThat(DotContext.of(Dot.of("a", 1), Dot.of("a", 5)).nextDot(A)).isEqualTo(Dot.of("a", 6));
    assertThat(DotContext.of(Dot.of("b", 7)).nextDot(A)).isEqualTo(Dot.of("a", 1));
  }

  @Test
  void containsSeesBothTheVectorAndTheCloud() {
    DotContext c = DotContext.of(Dot.of("a", 1), Dot.of("a", 3));
    assertThat(c.contains(Dot.of("a", 1))).isTrue();
    assertThat(c.contains(Dot.of("a", 2))).isFalse();
    assertThat(c.contains(Dot.of("a", 3))).isTrue();
    assertThat(c.contains(Dot.of("b", 1))).isFalse();
  }

  /** Equal dot sets give equal contexts, however they were built. */
  @Property
  void equalDotSetsGiveEqualContextsWhateverTheOrderOfConstruction(@ForAll long seed) {
    Random rnd = new Random(seed);
    List<Dot> dots = new ArrayList<>();
    int n = rnd.nextInt(30);
    for (int i = 0; i < n; i++) {
      dots.add(new Dot(ReplicaId.of("r" + rnd.nextInt(3)), 1 + rnd.nextInt(8)));
    }
    DotContext all = DotContext.of(dots);
    List<Dot> shuffled = new ArrayList<>(dots);
    Collections.shuffle(shuffled, rnd);
    DotContext added = DotContext.EMPTY;
    for (Dot d : shuffled) {
      added = added.add(d);
    }
    int cut = shuffled.isEmpty() ? 0 : rnd.nextInt(shuffled.size());
    DotContext merged =
        DotContext.of(shuffled.subList(0, cut))
            .merge(DotContext.of(shuffled.subList(cut, shuffled.size())));
    String why = "seed=" + seed + " dots=" + dots;
    assertThat(added).as(why).isEqualTo(all);
    assertThat(merged).as(why).isEqualTo(all);
    assertThat(DotContext.of(all.versionVector(), all.cloud())).as(why).isEqualTo(all);
    assertThat(added.hashCode()).as(why).isEqualTo(all.hashCode());
    assertThat(all.dotCount()).as(why).isEqualTo(new java.util.HashSet<>(dots).size());
    for (Dot d : all.cloud()) {
      assertThat(all.versionVector().contains(d))
          .as(why + ": cloud dot " + d + " is not folded")
          .isFalse();
      assertThat(d.counter())
          .as(why + ": " + d + " is not contiguous")
          .isGreaterThan(all.versionVector().get(d.replica()) + 1);
    }
    for (int r = 0; r < 3; r++) {
      for (int k = 1; k <= 9; k++) {
        Dot d = new Dot(ReplicaId.of("r" + r), k);
        assertThat(all.contains(d)).as(why + " contains " + d).isEqualTo(dots.contains(d));
      }
    }
  }
}
