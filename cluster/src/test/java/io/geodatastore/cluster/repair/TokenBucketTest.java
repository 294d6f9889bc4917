package io.geodatastore.cluster.repair;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TokenBucketTest {

  @Test
  void aFullBucketLetsOneSecondsWorthThroughThenDebtWaitsForTheRate() {
    TokenBucket b = new TokenBucket(1_000, 0);
    assertThat(b.waitMs(0)).isZero();
    b.charge(1_000, 0);
    assertThat(b.waitMs(0)).isZero();
    b.charge(500, 0); // into debt: a reply bigger than the tokens left
    assertThat(b.waitMs(0)).isEqualTo(500);
    assertThat(b.waitMs(250)).isEqualTo(250);
    assertThat(b.waitMs(500)).isZero();
  }

  @Test
  void idleTimeRefillsAtMostOneSecondsWorth() {
    TokenBucket b = new TokenBucket(1_000, 0);
    b.charge(1_000, 0);
    b.charge(1_500, 60_000); // a minute idle refilled 1,000, not 60,000
    assertThat(b.waitMs(60_000)).isEqualTo(500);
  }
}
