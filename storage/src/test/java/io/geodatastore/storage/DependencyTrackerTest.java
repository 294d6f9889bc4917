package io.geodatastore.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DependencyTrackerTest {

  static final ReplicaId SELF = ReplicaId.of("a");
  static final ReplicaId B = ReplicaId.of("b");
  static final ReplicaId C = ReplicaId.of("c");

  @Test
  void anEntryCarriesOnlyWhatRoseSinceThePreviousOne() {
    DependencyTracker t = new DependencyTracker(SELF, VersionVector.of(Map.of(B, 3L, C, 1L)));
    assertThat(t.carry()).as("the first entry carries all").isEqualTo(t.visible());
    assertThat(t.carry()).isEqualTo(VersionVector.EMPTY);
    t.raise(B, 5);
    t.raise(B, 4); // lower: no change
    assertThat(t.carry()).isEqualTo(VersionVector.of(B, 5));
    t.note(VersionVector.of(Map.of(B, 2L, C, 9L)));
    assertThat(t.carry()).isEqualTo(VersionVector.of(C, 9));
    t.forgetCarried();
    assertThat(t.carry()).isEqualTo(VersionVector.of(Map.of(B, 5L, C, 9L)));
  }

  @Test
  void theOwnOriginIsNeverADependency() {
    DependencyTracker t = new DependencyTracker(SELF, VersionVector.of(SELF, 4));
    assertThat(t.visible()).isEqualTo(VersionVector.EMPTY);
    assertThat(t.raise(SELF, 9)).isFalse();
    assertThat(t.note(VersionVector.of(Map.of(SELF, 7L, B, 1L)))).isEqualTo(VersionVector.of(B, 1));
    assertThat(t.visible()).isEqualTo(VersionVector.of(B, 1));
  }

  /** The join of what the entries carried, in order, is what was visible at each of them. */
  @Test
  void theCarriedPartsJoinToTheVisibleVectorAtEveryEntry() {
    for (long seed = 0; seed < 50; seed++) {
      Random rnd = new Random(seed);
      DependencyTracker t = new DependencyTracker(SELF, VersionVector.EMPTY);
      VersionVector joined = VersionVector.EMPTY;
      ReplicaId[] others = {B, C, ReplicaId.of("d")};
      for (int step = 0; step < 200; step++) {
        switch (rnd.nextInt(4)) {
          case 0 -> t.raise(others[rnd.nextInt(3)], 1 + rnd.nextInt(100));
          case 1 -> t.note(VersionVector.of(others[rnd.nextInt(3)], 1 + rnd.nextInt(100)));
          case 2 -> {
            VersionVector visible = t.visible();
            joined = joined.merge(t.carry());
            assertThat(joined).as("seed %d step %d", seed, step).isEqualTo(visible);
          }
          default -> {
            if (rnd.nextInt(10) == 0) {
              t.forgetCarried();
              joined = VersionVector.EMPTY; // the next entry alone must carry everything
            }
          }
        }
      }
    }
  }
}
