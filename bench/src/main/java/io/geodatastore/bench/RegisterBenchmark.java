package io.geodatastore.bench;

import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.crdt.LwwRegister;
import io.geodatastore.core.crdt.MvRegister;
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
 * LWW-Register (size = value length in characters) and MV-Register (size = replicas in the
 * context): write and merge.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RegisterBenchmark {

  @Param({"1", "100", "10000"})
  public int size;

  private final HlcTimestamp later = new HlcTimestamp(1_700_000_000_001L, 0);
  private LwwRegister lww;
  private LwwRegister lwwOther;
  private MvRegister mv;
  private MvRegister mvDelta;
  private MvRegister mvOther;

  @Setup
  public void setUp() {
    lww = Fixtures.lwwRegister(size);
    lwwOther = lww.write(Fixtures.REMOTE, "\"other\"", later).state();
    mv = Fixtures.mvRegister(size);
    mvDelta = mv.write(Fixtures.REMOTE, "\"next\"", mv.context()).delta();
    mvOther = mv.write(Fixtures.REMOTE, "\"next\"", null).state();
  }

  @Benchmark
  public LwwRegister lwwWrite() {
    return lww.write(Fixtures.LOCAL, "\"v\"", later).state();
  }

  @Benchmark
  public LwwRegister lwwMerge() {
    return lww.merge(lwwOther);
  }

  @Benchmark
  public MvRegister mvWriteWithContext() {
    return mv.write(Fixtures.LOCAL, "\"v\"", mv.context()).state();
  }

  @Benchmark
  public MvRegister mvMergeDelta() {
    return mv.merge(mvDelta);
  }

  @Benchmark
  public MvRegister mvMergeFull() {
    return mv.merge(mvOther);
  }
}
