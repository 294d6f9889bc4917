package io.geodatastore.bench;

import io.geodatastore.core.crdt.Crdt;
import io.geodatastore.wire.CrdtCodec;
import io.geodatastore.wire.WireFormatException;
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
 * Encode and decode of each type's full state through {@link CrdtCodec}, by size (see Fixtures).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CodecBenchmark {

  @Param({
    "g_counter",
    "pn_counter",
    "g_set",
    "two_phase_set",
    "or_set",
    "lww_register",
    "mv_register"
  })
  public String type;

  @Param({"1", "100", "10000"})
  public int size;

  private Crdt<?> state;
  private byte[] bytes;

  @Setup
  public void setUp() {
    state =
        switch (type) {
          case "g_counter" -> Fixtures.gCounter(size);
          case "pn_counter" -> Fixtures.pnCounter(size);
          case "g_set" -> Fixtures.gSet(size);
          case "two_phase_set" -> Fixtures.twoPhaseSet(size);
          case "or_set" -> Fixtures.orSet(size);
          case "lww_register" -> Fixtures.lwwRegister(size);
          case "mv_register" -> Fixtures.mvRegister(size);
          default -> throw new IllegalArgumentException(type);
        };
    bytes = CrdtCodec.encode(state);
  }

  @Benchmark
  public byte[] encode() {
    return CrdtCodec.encode(state);
  }

  @Benchmark
  public Crdt<?> decode() throws WireFormatException {
    return CrdtCodec.decode(bytes);
  }
}
