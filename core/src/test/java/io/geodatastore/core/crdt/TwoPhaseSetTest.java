package io.geodatastore.core.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TwoPhaseSetTest {

  @Test
  void aRemovalIsFinalAndAReAddIsRefusedWithAConflict() {
    TwoPhaseSet s = TwoPhaseSet.EMPTY.add("x").state().remove("x").state();
    Update<TwoPhaseSet> readd = s.add("x");
    assertThat(readd.changed()).isFalse();
    assertThat(readd.state().value()).isEmpty();
    assertThat(readd.conflicts()).hasSize(1);
    Conflict c = readd.conflicts().get(0);
    assertThat(c.kind()).isEqualTo(Conflict.Kind.TWO_PHASE_SET_READD_REFUSED);
    assertThat(c.values()).containsExactly("x");
  }

  @Test
  void anAddConcurrentWithARemoveLosesOnceTheyMeet() {
    TwoPhaseSet shared = TwoPhaseSet.EMPTY.add("x").state();
    TwoPhaseSet removed = shared.remove("x").state();
    TwoPhaseSet readdedElsewhere = shared.add("x").state();
    assertThat(removed.merge(readdedElsewhere).value()).isEmpty();
    assertThat(readdedElsewhere.merge(removed).isRemoved("x")).isTrue();
  }

  @Test
  void aRemoveOfAnAbsentElementChangesNothing() {
    TwoPhaseSet s = TwoPhaseSet.EMPTY.add("x").state();
    Update<TwoPhaseSet> u = s.remove("y");
    assertThat(u.changed()).isFalse();
    assertThat(u.state()).isSameAs(s);
    assertThat(u.state().isRemoved("y")).isFalse();
    assertThat(s.add("y").state().value()).containsExactly("x", "y");
  }

  @Test
  void ofNormalisesElementsInBothPartsToRemoved() {
    TwoPhaseSet s = TwoPhaseSet.of(List.of("x", "y"), List.of("y"));
    assertThat(s.value()).containsExactly("x");
    assertThat(s.removed()).containsExactly("y");
    assertThat(s)
        .isEqualTo(TwoPhaseSet.EMPTY.add("x").state().add("y").state().remove("y").state());
  }
}
