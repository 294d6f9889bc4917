package io.geodatastore.core.causal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class VersionVectorTest {

  private static final ReplicaId A = ReplicaId.of("a");
  private static final ReplicaId B = ReplicaId.of("b");
  private static final ReplicaId C = ReplicaId.of("c");

  private static VersionVector vv(long a, long b, long c) {
    return VersionVector.of(Map.of(A, a, B, b, C, c));
  }

  @Test
  void aVectorMissingAnEventComesBeforeTheOneThatHasIt() {
    assertThat(vv(1, 2, 0).compare(vv(1, 3, 0))).isEqualTo(CausalOrder.BEFORE);
    assertThat(vv(1, 3, 0).compare(vv(1, 2, 0))).isEqualTo(CausalOrder.AFTER);
    assertThat(vv(0, 0, 0).compare(vv(0, 0, 1))).isEqualTo(CausalOrder.BEFORE);
    assertThat(vv(0, 0, 1).compare(VersionVector.EMPTY)).isEqualTo(CausalOrder.AFTER);
  }

  @Test
  void equalVectorsCompareEqualWhateverZeroEntriesTheyWereBuiltWith() {
    assertThat(vv(1, 0, 2).compare(VersionVector.of(Map.of(A, 1L, C, 2L))))
        .isEqualTo(CausalOrder.EQUAL);
    assertThat(vv(1, 0, 2)).isEqualTo(VersionVector.of(Map.of(C, 2L, A, 1L)));
    assertThat(vv(0, 0, 0)).isEqualTo(VersionVector.EMPTY);
  }

  @Test
  void vectorsWithEventsTheOtherLacksAreConcurrent() {
    assertThat(vv(2, 1, 0).compare(vv(1, 2, 0))).isEqualTo(CausalOrder.CONCURRENT);
    assertThat(vv(1, 0, 0).compare(vv(0, 0, 1))).isEqualTo(CausalOrder.CONCURRENT);
    assertThat(vv(1, 0, 0).dominates(vv(0, 0, 1))).isFalse();
    assertThat(vv(1, 1, 0).dominates(vv(1, 0, 0))).isTrue();
  }

  @Test
  void mergeTakesTheEntryWiseMaximumAndMeetTheMinimum() {
    assertThat(vv(2, 1, 0).merge(vv(1, 3, 4))).isEqualTo(vv(2, 3, 4));
    assertThat(vv(2, 1, 0).meet(vv(1, 3, 4))).isEqualTo(vv(1, 1, 0));
    assertThat(vv(2, 1, 0).meet(vv(1, 3, 4)).toMap()).containsOnlyKeys(A, B);
    VersionVector x = vv(5, 0, 1);
    assertThat(x.merge(vv(1, 0, 1))).isSameAs(x);
    assertThat(x.meet(VersionVector.EMPTY)).isEqualTo(VersionVector.EMPTY);
  }

  @Test
  void incrementAndContainsAgreeOnDots() {
    VersionVector v = VersionVector.EMPTY.increment(A).increment(A);
    assertThat(v.contains(Dot.of("a", 2))).isTrue();
    assertThat(v.contains(Dot.of("a", 3))).isFalse();
    assertThat(v.total()).isEqualTo(2);
    assertThat(v.with(A, 0)).isEqualTo(VersionVector.EMPTY);
  }

  @Test
  void negativeEntriesAndOverflowAreRejected() {
    assertThatThrownBy(() -> VersionVector.of(A, -1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> VersionVector.of(A, Long.MAX_VALUE).increment(A))
        .isInstanceOf(ArithmeticException.class);
  }
}
