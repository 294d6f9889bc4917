package io.geodatastore.core.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.DotContext;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.testkit.Gen;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code equals} and {@code hashCode} compare replicated state only, not how it was built. */
class StateEqualityTest {

  private static final ReplicaId A = ReplicaId.of("a");
  private static final ReplicaId B = ReplicaId.of("b");

  @Test
  void anOrSetWithABuiltDotIndexEqualsOneWithout() {
    OrSet big = OrSet.EMPTY;
    for (int i = 0; i < 60; i++) {
      big = big.add(A, Gen.element(new java.util.Random(i), 200)).state();
    }
    OrSet fresh = OrSet.of(OrSetTargetedMergeTest.asMap(big), big.context());
    OrSet delta = big.remove(big.value().get(0)).delta();
    OrSet indexed = big.merge(delta); // targeted: builds the index on big and carries it
    OrSet plain = fresh.mergeLinearForTest(delta);
    assertThat(indexed).isEqualTo(plain);
    assertThat(indexed.hashCode()).isEqualTo(plain.hashCode());
    assertThat(big).isEqualTo(fresh);
    assertThat(big.hashCode()).isEqualTo(fresh.hashCode());
  }

  @Test
  void setsBuiltByDifferentPathsWithTheSameContentAreEqual() {
    GSet g1 = GSet.EMPTY.add("x").state().add("y").state();
    GSet g2 = GSet.of(List.of("y", "x", "y"));
    assertThat(g1).isEqualTo(g2).hasSameHashCodeAs(g2);
    OrSet o1 = OrSet.EMPTY.add(A, "x").state().add(A, "y").state();
    OrSet o2 = OrSet.EMPTY.addAll(A, List.of("x", "y")).state();
    OrSet o3 = OrSet.EMPTY.add(A, "x").delta().merge(o2);
    assertThat(o1).isEqualTo(o2).isEqualTo(o3).hasSameHashCodeAs(o2);
    TwoPhaseSet t1 = TwoPhaseSet.EMPTY.add("x").state().remove("x").state();
    TwoPhaseSet t2 = TwoPhaseSet.of(List.of(), List.of("x"));
    assertThat(t1).isEqualTo(t2).hasSameHashCodeAs(t2);
  }

  @Test
  void countersAndRegistersBuiltByDifferentPathsAreEqual() {
    GCounter c1 = GCounter.EMPTY.increment(A, 2).state().increment(A, 3).state();
    GCounter c2 = GCounter.EMPTY.merge(GCounter.of(VersionVector.of(A, 5)));
    assertThat(c1).isEqualTo(c2).hasSameHashCodeAs(c2);
    PnCounter p1 = PnCounter.EMPTY.increment(A, 0).state();
    assertThat(p1).isEqualTo(PnCounter.EMPTY).hasSameHashCodeAs(PnCounter.EMPTY);
    LwwRegister l1 = LwwRegister.EMPTY.write(B, "v", new HlcTimestamp(5, 0)).state();
    LwwRegister l2 = LwwRegister.of("v", new HlcTimestamp(5, 0), B, HlcTimestamp.ZERO);
    assertThat(l1).isEqualTo(l2).hasSameHashCodeAs(l2);
    MvRegister m1 = MvRegister.EMPTY.write(A, "v", null).state();
    MvRegister m2 = MvRegister.of(Map.of(Dot.of("a", 1), "v"), DotContext.of(Dot.of("a", 1)));
    assertThat(m1).isEqualTo(m2).hasSameHashCodeAs(m2);
  }
}
