package io.geodatastore.bench;

import io.geodatastore.core.crdt.GSet;
import io.geodatastore.core.crdt.OrSet;
import io.geodatastore.core.crdt.TwoPhaseSet;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * G-Set, 2P-Set and OR-Set: add, remove, and merge of a one-element delta or of a full state that
 * differs by one element, by number of elements.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SetBenchmark {

  @Param({"1", "100", "10000"})
  public int size;

  private final String fresh = Fixtures.element(-1);
  private String present;

  private GSet gSet;
  private GSet gDelta;
  private GSet gOther;
  private TwoPhaseSet twoPhase;
  private TwoPhaseSet twoPhaseDelta;
  private TwoPhaseSet twoPhaseOther;
  private OrSet orSet;
  private OrSet orAddDelta;
  private OrSet orRemoveDelta;
  private OrSet orOther;

  @Setup
  public void setUp() {
    present = Fixtures.element(size - 1);
    gSet = Fixtures.gSet(size);
    gDelta = gSet.add(fresh).delta();
    gOther = gSet.add(fresh).state();
    twoPhase = Fixtures.twoPhaseSet(size);
    twoPhaseDelta = twoPhase.remove(present).delta();
    twoPhaseOther = twoPhase.add(fresh).state();
    orSet = Fixtures.orSet(size);
    orAddDelta = orSet.add(Fixtures.REMOTE, fresh).delta();
    orRemoveDelta = orSet.remove(present).delta();
    orOther = orSet.add(Fixtures.REMOTE, fresh).state();
  }

  @Benchmark
  public GSet gSetAdd() {
    return gSet.add(fresh).state();
  }

  @Benchmark
  public GSet gSetMergeDelta() {
    return gSet.merge(gDelta);
  }

  @Benchmark
  public GSet gSetMergeFull() {
    return gSet.merge(gOther);
  }

  @Benchmark
  public TwoPhaseSet twoPhaseSetAdd() {
    return twoPhase.add(fresh).state();
  }

  @Benchmark
  public TwoPhaseSet twoPhaseSetRemove() {
    return twoPhase.remove(present).state();
  }

  @Benchmark
  public TwoPhaseSet twoPhaseSetMergeDelta() {
    return twoPhase.merge(twoPhaseDelta);
  }

  @Benchmark
  public TwoPhaseSet twoPhaseSetMergeFull() {
    return twoPhase.merge(twoPhaseOther);
  }

  @Benchmark
  public OrSet orSetAdd() {
    return orSet.add(Fixtures.LOCAL, fresh).state();
  }

  @Benchmark
  public OrSet orSetRemove() {
    return orSet.remove(present).state();
  }

  @Benchmark
  public OrSet orSetMergeAddDelta() {
    return orSet.merge(orAddDelta);
  }

  @Benchmark
  public OrSet orSetMergeRemoveDelta() {
    return orSet.merge(orRemoveDelta);
  }

  @Benchmark
  public OrSet orSetMergeFull() {
    return orSet.merge(orOther);
  }
}
