package io.geodatastore.bench;

import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.crdt.GCounter;
import io.geodatastore.core.crdt.GSet;
import io.geodatastore.core.crdt.LwwRegister;
import io.geodatastore.core.crdt.MvRegister;
import io.geodatastore.core.crdt.OrSet;
import io.geodatastore.core.crdt.PnCounter;
import io.geodatastore.core.crdt.TwoPhaseSet;
import java.util.ArrayList;
import java.util.List;

/**
 * States of a given size for the benchmarks, built through the public API. For counters the size is
 * the number of replicas that counted; for sets the number of elements; for the LWW register the
 * value length in characters; for the MV register the number of replicas in its context.
 */
final class Fixtures {

  static final ReplicaId LOCAL = ReplicaId.of("us-east-1");
  static final ReplicaId REMOTE = ReplicaId.of("eu-west-1");

  private Fixtures() {}

  static ReplicaId replica(int i) {
    return ReplicaId.of("replica-" + i);
  }

  static String element(int i) {
    return "\"element-" + i + "\"";
  }

  static GCounter gCounter(int replicas) {
    GCounter c = GCounter.EMPTY;
    for (int i = 0; i < replicas; i++) {
      c = c.increment(replica(i), 1_000 + i).state();
    }
    return c;
  }

  static PnCounter pnCounter(int replicas) {
    PnCounter c = PnCounter.EMPTY;
    for (int i = 0; i < replicas; i++) {
      c = c.increment(replica(i), 1_000 + i).state().decrement(replica(i), i).state();
    }
    return c;
  }

  static GSet gSet(int elements) {
    GSet s = GSet.EMPTY;
    for (int i = 0; i < elements; i++) {
      s = s.add(element(i)).state();
    }
    return s;
  }

  static TwoPhaseSet twoPhaseSet(int elements) {
    TwoPhaseSet s = TwoPhaseSet.EMPTY;
    for (int i = 0; i < elements; i++) {
      s = s.add(element(i)).state();
    }
    for (int i = 0; i < elements; i += 10) {
      s = s.remove(element(i)).state();
    }
    return s;
  }

  /** An OR-Set of {@code elements} elements added by nine replicas in turn. */
  static OrSet orSet(int elements) {
    List<ReplicaId> writers = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      writers.add(replica(i));
    }
    OrSet s = OrSet.EMPTY;
    for (int i = 0; i < elements; i++) {
      s = s.add(writers.get(i % writers.size()), element(i)).state();
    }
    return s;
  }

  static LwwRegister lwwRegister(int valueChars) {
    return LwwRegister.EMPTY
        .write(LOCAL, "\"" + "x".repeat(valueChars) + "\"", new HlcTimestamp(1_700_000_000_000L, 0))
        .state();
  }

  /**
   * An MV register whose context spans {@code replicas} replicas, holding two concurrent values.
   */
  static MvRegister mvRegister(int replicas) {
    MvRegister r = MvRegister.EMPTY;
    for (int i = 0; i < replicas; i++) {
      r = r.write(replica(i), "\"v" + i + "\"", null).state();
    }
    MvRegister a = r.write(LOCAL, "\"left\"", null).state();
    MvRegister b = r.write(REMOTE, "\"right\"", null).state();
    return a.merge(b);
  }
}
