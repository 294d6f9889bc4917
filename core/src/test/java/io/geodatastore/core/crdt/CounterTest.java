package io.geodatastore.core.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.geodatastore.core.causal.ReplicaId;
import org.junit.jupiter.api.Test;

class CounterTest {

  private static final ReplicaId A = ReplicaId.of("a");
  private static final ReplicaId B = ReplicaId.of("b");

  @Test
  void anIncrementThatWouldOverflowThrowsAndNeverWraps() {
    GCounter max = GCounter.EMPTY.increment(A, Long.MAX_VALUE).state();
    assertThat(max.value()).isEqualTo(Long.MAX_VALUE);
    assertThatThrownBy(() -> max.increment(A, 1)).isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> max.increment(B, 1)).isInstanceOf(ArithmeticException.class);
    assertThat(max.increment(A, 0).changed()).isFalse();
    PnCounter pn = PnCounter.EMPTY.increment(A, Long.MAX_VALUE).state();
    assertThatThrownBy(() -> pn.increment(B, 1)).isInstanceOf(ArithmeticException.class);
    PnCounter neg = PnCounter.EMPTY.decrement(A, Long.MAX_VALUE).state();
    assertThat(neg.value()).isEqualTo(-Long.MAX_VALUE);
    assertThatThrownBy(() -> neg.decrement(A, 1)).isInstanceOf(ArithmeticException.class);
  }

  @Test
  void aNegativeAmountIsRejected() {
    assertThatThrownBy(() -> GCounter.EMPTY.increment(A, -1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PnCounter.EMPTY.increment(A, -1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PnCounter.EMPTY.decrement(A, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void countersMergedFromTwoReplicasNearTheMaximumThrowOnValueRatherThanWrap() {
    GCounter a = GCounter.EMPTY.increment(A, Long.MAX_VALUE - 1).state();
    GCounter b = GCounter.EMPTY.increment(B, Long.MAX_VALUE - 1).state();
    GCounter merged = a.merge(b);
    assertThat(merged.counts().get(A)).isEqualTo(Long.MAX_VALUE - 1);
    assertThatThrownBy(merged::value).isInstanceOf(ArithmeticException.class);
    PnCounter pn = PnCounter.of(merged, GCounter.EMPTY);
    assertThatThrownBy(pn::value).isInstanceOf(ArithmeticException.class);
  }

  @Test
  void aPnCounterIsIncrementsMinusDecrementsAcrossReplicas() {
    PnCounter a = PnCounter.EMPTY.increment(A, 10).state().decrement(A, 3).state();
    PnCounter b = PnCounter.EMPTY.decrement(B, 20).state();
    assertThat(a.merge(b).value()).isEqualTo(-13);
  }
}
