package io.geodatastore.bench;

import io.geodatastore.core.crdt.GCounter;
import io.geodatastore.core.crdt.PnCounter;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** G-Counter and PN-Counter: increment and merge, by number of replicas in the state. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CounterBenchmark {

  @Param({"1", "100", "10000"})
  public int size;

  private GCounter g;
  private GCounter gDelta;
  private GCounter gOther;
  private PnCounter pn;
  private PnCounter pnDelta;
  private PnCounter pnOther;

  @Setup
  public void setUp() {
    g = Fixtures.gCounter(size);
    gDelta = g.increment(Fixtures.REMOTE, 5).delta();
    gOther = g.increment(Fixtures.replica(0), 7).state();
    pn = Fixtures.pnCounter(size);
    pnDelta = pn.decrement(Fixtures.REMOTE, 5).delta();
    pnOther = pn.increment(Fixtures.replica(0), 7).state();
  }

  @Benchmark
  public GCounter gCounterIncrement() {
    return g.increment(Fixtures.LOCAL, 1).state();
  }

  @Benchmark
  public GCounter gCounterMergeDelta() {
    return g.merge(gDelta);
  }

  @Benchmark
  public GCounter gCounterMergeFull() {
    return g.merge(gOther);
  }

  @Benchmark
  public PnCounter pnCounterIncrement() {
    return pn.increment(Fixtures.LOCAL, 1).state();
  }

  @Benchmark
  public PnCounter pnCounterMergeDelta() {
    return pn.merge(pnDelta);
  }

  @Benchmark
  public PnCounter pnCounterMergeFull() {
    return pn.merge(pnOther);
  }
}
