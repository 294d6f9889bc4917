package io.geodatastore.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.Hlc;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.op.Operation;
import org.junit.jupiter.api.Test;

class KeyOpsTest {

  private static final KeyRef KEY = KeyRef.of(Family.SETS, "k");
  private static final ReplicaId A = new ReplicaId("a");
  private static final ReplicaId B = new ReplicaId("b");

  /** An HLC over a fixed physical time, clamping like the stores' clocks. */
  private static final class FixedClock implements KeyOps.Clock {
    Hlc hlc;
    final long physicalMs;

    FixedClock(long physicalMs, long maxOffsetMs) {
      this.physicalMs = physicalMs;
      this.hlc = Hlc.create(maxOffsetMs);
    }

    @Override
    public void receive(HlcTimestamp seen) {
      hlc = hlc.receive(seen, physicalMs).clock();
    }

    @Override
    public HlcTimestamp tick() {
      hlc = hlc.tick(physicalMs);
      return hlc.timestamp();
    }
  }

  /**
   * Regression (found by the simulator): a node whose clock is behind by more than the HLC's max
   * offset deleted a key whose epoch came from a node ahead. The clamped clock gave the delete an
   * epoch below the one it ended, so the tombstone lost the join: the deleting replica stepped back
   * in the lattice and diverged from the others.
   */
  @Test
  void aDeleteBeginsAGreaterEpochEvenWhenTheClockClampsTheOldOne() {
    FixedClock ahead = new FixedClock(10_000, 100);
    KeyRecord live =
        KeyOps.write(null, KEY, new Operation.Add(java.util.List.of("1")), A, ahead)
            .commit(new Dot(A, 1), VersionVector.EMPTY)
            .record();
    KeyRecord tomb =
        KeyOps.delete(live, KEY, A, ahead).commit(new Dot(A, 2), VersionVector.EMPTY).record();
    KeyRecord reborn =
        KeyOps.write(tomb, KEY, new Operation.Add(java.util.List.of("2")), A, ahead)
            .commit(new Dot(A, 3), VersionVector.EMPTY)
            .record();
    assertThat(reborn.epoch()).isEqualTo(tomb.epoch());

    FixedClock behind = new FixedClock(5_000, 100); // 5 s behind, clamps at 100 ms
    KeyOps.Committed c =
        KeyOps.delete(reborn, KEY, B, behind).commit(new Dot(B, 1), VersionVector.EMPTY);

    assertThat(c.record().epoch()).isGreaterThan(reborn.epoch());
    assertThat(c.entry().epoch()).isEqualTo(c.record().epoch());
    KeyRecord joined = KeyRecord.merge(reborn, c.entry().toRecord()).record();
    assertThat(joined.live()).as("the delete wins the join with the record it deleted").isFalse();
    assertThat(KeyOps.merge(c.record(), reborn, VersionVector.EMPTY, false, behind).record())
        .as("the deleted record merges into the tombstone as a no-op")
        .isNull();
    assertThat(c.record().type()).isEqualTo(CrdtType.OR_SET);
  }

  /**
   * A register write on a node whose clock is far behind the value's time (so its HLC clamps it)
   * follows the value it overwrites with the successor time, instead of losing silently.
   */
  @Test
  void anLwwWriteOnALaggingClockStillFollowsTheValueItOverwrites() {
    KeyRef reg = KeyRef.of(Family.REGISTERS, "r");
    FixedClock ahead = new FixedClock(10_000, 100);
    KeyRecord first =
        KeyOps.write(null, reg, new Operation.Write("\"ahead\"", null), A, ahead)
            .commit(new Dot(A, 1), VersionVector.EMPTY)
            .record();
    FixedClock behind = new FixedClock(5_000, 100);
    KeyOps.Plan plan = KeyOps.write(first, reg, new Operation.Write("\"later\"", null), B, behind);
    assertThat(plan.logs()).as("the write changes the register").isTrue();
    KeyOps.Committed c = plan.commit(new Dot(B, 1), VersionVector.EMPTY);
    var lww = (io.geodatastore.core.crdt.LwwRegister) c.record().state();
    assertThat(lww.value()).isEqualTo("\"later\"");
    assertThat(lww.timestamp())
        .isGreaterThan(((io.geodatastore.core.crdt.LwwRegister) first.state()).timestamp());
    assertThat(KeyRecord.merge(first, c.entry().toRecord()).record().state()).isEqualTo(lww);
  }
}
