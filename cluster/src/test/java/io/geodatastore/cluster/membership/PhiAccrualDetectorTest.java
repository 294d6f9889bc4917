package io.geodatastore.cluster.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.cluster.NodeId;
import org.junit.jupiter.api.Test;

class PhiAccrualDetectorTest {

  private static final NodeId A = NodeId.of("a");

  private static PhiAccrualDetector regularHeartbeats(
      PhiAccrualDetector.Options options, long everyMs, int count) {
    PhiAccrualDetector d = new PhiAccrualDetector(options);
    for (int i = 0; i < count; i++) {
      d.heartbeat(A, i * everyMs);
    }
    return d;
  }

  @Test
  void phiIsZeroForAMemberNeverHeardFrom() {
    PhiAccrualDetector d = new PhiAccrualDetector(PhiAccrualDetector.Options.defaults());
    assertThat(d.phi(A, 1_000_000)).isZero();
    assertThat(d.isAvailable(A, 1_000_000)).isTrue();
  }

  @Test
  void phiGrowsMonotonicallyWithSilenceAndCrossesTheThreshold() {
    PhiAccrualDetector d = regularHeartbeats(PhiAccrualDetector.Options.defaults(), 1000, 50);
    long last = 49 * 1000;
    double previous = -1;
    for (long silence = 0; silence <= 5000; silence += 100) {
      double phi = d.phi(A, last + silence);
      assertThat(phi).as("silence %d ms", silence).isGreaterThanOrEqualTo(previous);
      previous = phi;
    }
    assertThat(d.phi(A, last + 1000)).isLessThan(1.0);
    assertThat(d.isAvailable(A, last + 1100)).isTrue();
    assertThat(d.isAvailable(A, last + 5000)).isFalse();
  }

  @Test
  void aHeartbeatResetsPhi() {
    PhiAccrualDetector d = regularHeartbeats(PhiAccrualDetector.Options.defaults(), 1000, 20);
    long late = 19_000 + 4000;
    assertThat(d.isAvailable(A, late)).isFalse();
    d.heartbeat(A, late);
    assertThat(d.phi(A, late)).isLessThan(0.5);
    assertThat(d.isAvailable(A, late + 500)).isTrue();
  }

  @Test
  void theMinimumStandardDeviationKeepsPerfectlyRegularHeartbeatsFromHairTriggering() {
    PhiAccrualDetector.Options tight = new PhiAccrualDetector.Options(8.0, 100, 1, 0, 1000);
    PhiAccrualDetector.Options floored = new PhiAccrualDetector.Options(8.0, 100, 500, 0, 1000);
    // Fill the whole window with exact 1000 ms intervals, so the measured deviation is zero.
    PhiAccrualDetector sharp = regularHeartbeats(tight, 1000, 200);
    PhiAccrualDetector tolerant = regularHeartbeats(floored, 1000, 200);
    long slightlyLate = 199_000 + 1100;
    assertThat(sharp.isAvailable(A, slightlyLate)).isFalse();
    assertThat(tolerant.isAvailable(A, slightlyLate)).isTrue();
    assertThat(tolerant.phi(A, slightlyLate)).isLessThan(1.0);
  }

  @Test
  void theAcceptablePauseDelaysSuspicionByThatMuch() {
    PhiAccrualDetector.Options plain = new PhiAccrualDetector.Options(8.0, 100, 100, 0, 1000);
    PhiAccrualDetector.Options paused = new PhiAccrualDetector.Options(8.0, 100, 100, 3000, 1000);
    PhiAccrualDetector a = regularHeartbeats(plain, 1000, 50);
    PhiAccrualDetector b = regularHeartbeats(paused, 1000, 50);
    long last = 49_000;
    assertThat(b.phi(A, last + 3000 + 1500)).isEqualTo(a.phi(A, last + 1500), within());
  }

  @Test
  void theWindowIsBoundedSoOldIntervalsAreForgotten() {
    PhiAccrualDetector.Options opts = new PhiAccrualDetector.Options(8.0, 10, 50, 0, 1000);
    PhiAccrualDetector d = new PhiAccrualDetector(opts);
    long t = 0;
    for (int i = 0; i < 50; i++) {
      d.heartbeat(A, t);
      t += 10_000; // a long history of slow heartbeats
    }
    for (int i = 0; i < 20; i++) {
      d.heartbeat(A, t);
      t += 100; // then fast ones fill the window
    }
    long last = t - 100;
    // Only fast intervals remain: a 2 s silence is now far beyond the threshold.
    assertThat(d.isAvailable(A, last + 2000)).isFalse();
  }

  @Test
  void removeForgetsTheHistory() {
    PhiAccrualDetector d = regularHeartbeats(PhiAccrualDetector.Options.defaults(), 1000, 10);
    assertThat(d.size()).isEqualTo(1);
    d.remove(A);
    assertThat(d.size()).isZero();
    assertThat(d.phi(A, 1_000_000)).isZero();
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(1e-9);
  }
}
