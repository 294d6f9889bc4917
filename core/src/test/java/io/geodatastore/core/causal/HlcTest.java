package io.geodatastore.core.causal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HlcTest {

  @Test
  void readingsNeverGoBackwardsWhenThePhysicalClockDoes() {
    Hlc c = Hlc.create(1_000).tick(10_000);
    HlcTimestamp first = c.timestamp();
    c = c.tick(9_000);
    assertThat(c.timestamp()).isEqualTo(new HlcTimestamp(10_000, 1));
    assertThat(c.timestamp().isAfter(first)).isTrue();
    c = c.tick(5_000);
    assertThat(c.timestamp()).isEqualTo(new HlcTimestamp(10_000, 2));
    c = c.tick(10_001);
    assertThat(c.timestamp()).isEqualTo(new HlcTimestamp(10_001, 0));
  }

  @Test
  void aReceivedTimestampIsExceededEvenWhenTheLocalClockIsBehind() {
    Hlc c = Hlc.create(60_000).tick(1_000);
    HlcTimestamp remote = new HlcTimestamp(5_000, 7);
    Hlc.Receipt r = c.receive(remote, 1_500);
    assertThat(r.clamped()).isFalse();
    assertThat(r.aheadMs()).isZero();
    assertThat(r.clock().timestamp()).isEqualTo(new HlcTimestamp(5_000, 8));
    assertThat(r.clock().tick(1_600).timestamp()).isEqualTo(new HlcTimestamp(5_000, 9));
  }

  @Test
  void receivingAnOlderTimestampStillAdvancesTheClock() {
    Hlc c = Hlc.create(60_000).tick(9_000).tick(9_000);
    Hlc.Receipt r = c.receive(new HlcTimestamp(9_000, 0), 8_000);
    assertThat(r.clock().timestamp()).isEqualTo(new HlcTimestamp(9_000, 2));
  }

  @Test
  void aTimestampBeyondTheMaxOffsetIsClampedAndReported() {
    Hlc c = Hlc.create(1_000);
    Hlc.Receipt r = c.receive(new HlcTimestamp(100_000, 3), 10_000);
    assertThat(r.clamped()).isTrue();
    assertThat(r.aheadMs()).isEqualTo(90_000);
    assertThat(r.clock().timestamp().wallMs()).isEqualTo(11_000);
    assertThat(r.clock().timestamp().wallMs()).isLessThanOrEqualTo(10_000 + 1_000);
    // Repeated clamped receipts only bump the logical counter; the wall stays at the limit.
    Hlc.Receipt again = r.clock().receive(new HlcTimestamp(100_000, 3), 10_000);
    assertThat(again.clock().timestamp()).isEqualTo(new HlcTimestamp(11_000, 2));
  }

  @Test
  void aTimestampExactlyAtTheMaxOffsetIsNotClamped() {
    Hlc.Receipt r = Hlc.create(1_000).receive(new HlcTimestamp(11_000, 0), 10_000);
    assertThat(r.clamped()).isFalse();
    assertThat(r.clock().timestamp()).isEqualTo(new HlcTimestamp(11_000, 1));
  }

  @Test
  void logicalOverflowRollsTheWallForward() {
    Hlc c = Hlc.resume(1_000, new HlcTimestamp(5_000, Integer.MAX_VALUE));
    assertThat(c.tick(4_000).timestamp()).isEqualTo(new HlcTimestamp(5_001, 0));
    Hlc.Receipt r = Hlc.create(1_000).receive(new HlcTimestamp(5_000, Integer.MAX_VALUE), 4_500);
    assertThat(r.clock().timestamp()).isEqualTo(new HlcTimestamp(5_001, 0));
  }

  @Test
  void aNegativePhysicalReadingCountsAsZero() {
    assertThat(Hlc.create(0).tick(-5).timestamp()).isEqualTo(new HlcTimestamp(0, 1));
  }

  @Test
  void anUnboundedMaxOffsetNeverClampsInsteadOfOverflowing() {
    Hlc.Receipt r = Hlc.create(Long.MAX_VALUE).receive(new HlcTimestamp(100_000, 3), 10_000);
    assertThat(r.clamped()).isFalse();
    assertThat(r.clock().timestamp()).isEqualTo(new HlcTimestamp(100_000, 4));
  }
}
