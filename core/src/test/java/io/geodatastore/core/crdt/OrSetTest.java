package io.geodatastore.core.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.causal.ReplicaId;
import java.util.List;
import org.junit.jupiter.api.Test;

class OrSetTest {

  private static final ReplicaId A = ReplicaId.of("a");
  private static final ReplicaId B = ReplicaId.of("b");

  @Test
  void concurrentAddAndRemoveOfOneElementLetTheAddWin() {
    OrSet shared = OrSet.EMPTY.add(A, "x").state();
    Update<OrSet> removeAtA = shared.remove("x");
    Update<OrSet> addAtB = shared.add(B, "x");
    OrSet atA = removeAtA.state().merge(addAtB.delta());
    OrSet atB = addAtB.state().merge(removeAtA.delta());
    assertThat(atA.value()).containsExactly("x");
    assertThat(atA).isEqualTo(atB);
  }

  @Test
  void aRemoveAfterObservingTheAddRemovesTheElementEverywhere() {
    Update<OrSet> add = OrSet.EMPTY.add(A, "x");
    OrSet atB = OrSet.EMPTY.merge(add.delta());
    Update<OrSet> remove = atB.remove("x");
    assertThat(remove.state().value()).isEmpty();
    assertThat(add.state().merge(remove.delta()).value()).isEmpty();
  }

  @Test
  void aRemoveArrivingBeforeItsAddStillRemovesIt() {
    Update<OrSet> add = OrSet.EMPTY.add(A, "x");
    Update<OrSet> remove = OrSet.EMPTY.merge(add.delta()).remove("x");
    OrSet atC = OrSet.EMPTY.merge(remove.delta()).merge(add.delta());
    assertThat(atC.value()).isEmpty();
  }

  @Test
  void aReAddAfterARemoveMakesTheElementPresentAgain() {
    OrSet s = OrSet.EMPTY.add(A, "x").state().remove("x").state();
    Update<OrSet> readd = s.add(B, "x");
    assertThat(readd.state().value()).containsExactly("x");
    OrSet elsewhere = OrSet.EMPTY.add(A, "x").state().remove("x").state().merge(readd.delta());
    assertThat(elsewhere.value()).containsExactly("x");
  }

  @Test
  void aRemoveOfAnAbsentElementChangesNothing() {
    OrSet s = OrSet.EMPTY.add(A, "x").state();
    Update<OrSet> u = s.remove("y");
    assertThat(u.changed()).isFalse();
    assertThat(u.state()).isSameAs(s);
    assertThat(u.delta()).isEqualTo(OrSet.EMPTY);
  }

  @Test
  void removedElementsLeaveOnlyTheCompactContextBehind() {
    OrSet s =
        OrSet.EMPTY
            .addAll(A, List.of("x", "y", "z"))
            .state()
            .removeAll(List.of("x", "y", "z"))
            .state();
    assertThat(s.value()).isEmpty();
    assertThat(s.context().cloud()).isEmpty();
    assertThat(s.context().dotCount()).isEqualTo(3);
  }
}
