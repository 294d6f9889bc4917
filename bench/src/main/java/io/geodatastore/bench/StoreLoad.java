package io.geodatastore.bench;

import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.Durability;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.StoreConfig;
import io.geodatastore.storage.WriteResult;
import io.geodatastore.storage.rocksdb.RocksStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * In-process load on the RocksDB store: closed-loop writers (virtual threads) each incrementing a
 * random counter among {@code keys}, for a fixed time per cell, in both durability modes.
 * Throughput and latency (from submit to durable acknowledgement) per cell.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.geodatastore.bench.StoreLoad OUT_DIR [--quick]}.
 */
public final class StoreLoad {

  private StoreLoad() {}

  record Cell(Durability durability, int keys, int writers) {}

  record Measured(Cell cell, long ops, double seconds, Histogram latencyMicros) {
    double opsPerSecond() {
      return ops / seconds;
    }
  }

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "build/bench");
    boolean quick = List.of(args).contains("--quick");
    long warmupMs = quick ? 500 : 2_000;
    long measureMs = quick ? 1_500 : 5_000;
    List<Measured> results = new ArrayList<>();
    for (Durability d : Durability.values()) {
      for (int keys : new int[] {1, 1_000, 1_000_000}) {
        for (int writers : new int[] {1, 16, 1_000}) {
          Measured m = run(out, new Cell(d, keys, writers), warmupMs, measureMs);
          System.out.println(row(m));
          results.add(m);
        }
      }
    }
    String md = report(results, quick, warmupMs, measureMs);
    Files.createDirectories(out);
    Files.writeString(out.resolve("store-load.md"), md, StandardCharsets.UTF_8);
    System.out.println(md);
  }

  static Measured run(Path out, Cell cell, long warmupMs, long measureMs) throws Exception {
    Path dir = Files.createDirectories(out.resolve("tmp")).resolve("store-" + System.nanoTime());
    StoreConfig config = StoreConfig.defaults(dir, "bench-1").withDurability(cell.durability());
    try (RocksStore store = RocksStore.open(config)) {
      AtomicBoolean recording = new AtomicBoolean(false);
      AtomicBoolean stop = new AtomicBoolean(false);
      AtomicLong ops = new AtomicLong();
      List<Histogram> histograms = new ArrayList<>();
      List<Thread> threads = new ArrayList<>();
      for (int w = 0; w < cell.writers(); w++) {
        Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(10), 3);
        histograms.add(h);
        SplittableRandom random = new SplittableRandom(w);
        threads.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      while (!stop.get()) {
                        KeyRef key = KeyRef.of(Family.COUNTERS, "k" + random.nextInt(cell.keys()));
                        long t0 = System.nanoTime();
                        WriteResult r = store.write(key, new Operation.Increment(1)).join();
                        long micros = (System.nanoTime() - t0) / 1_000;
                        if (!(r instanceof WriteResult.Written)) {
                          throw new IllegalStateException("unexpected " + r);
                        }
                        if (recording.get()) {
                          h.recordValue(Math.min(micros, h.getHighestTrackableValue()));
                          ops.incrementAndGet();
                        }
                      }
                    }));
      }
      Thread.sleep(warmupMs);
      recording.set(true);
      long start = System.nanoTime();
      Thread.sleep(measureMs);
      recording.set(false);
      double seconds = (System.nanoTime() - start) / 1e9;
      stop.set(true);
      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(30));
      }
      Histogram all = new Histogram(TimeUnit.SECONDS.toMicros(10), 3);
      histograms.forEach(all::add);
      return new Measured(cell, ops.get(), seconds, all);
    } finally {
      deleteRecursively(dir);
    }
  }

  static String row(Measured m) {
    Histogram h = m.latencyMicros();
    return String.format(
        Locale.ROOT,
        "| %s | %,d | %,d | %,.0f | %d | %d | %d | %d |",
        m.cell().durability().name().toLowerCase(Locale.ROOT),
        m.cell().keys(),
        m.cell().writers(),
        m.opsPerSecond(),
        h.getValueAtPercentile(50),
        h.getValueAtPercentile(99),
        h.getValueAtPercentile(99.9),
        h.getMaxValue());
  }

  static String report(List<Measured> results, boolean quick, long warmupMs, long measureMs) {
    StringBuilder sb = new StringBuilder("# Store load (in-process increments)\n\n");
    sb.append("- when: ").append(OffsetDateTime.now()).append('\n');
    sb.append("- machine: ").append(BenchReport.machine()).append('\n');
    sb.append(
        String.format(
            Locale.ROOT,
            "- each cell: %d ms warm-up, %d ms measured%s; closed-loop writers on virtual threads; latency from submit to durable acknowledgement%n%n",
            warmupMs,
            measureMs,
            quick ? " (quick: indicative only)" : ""));
    sb.append("| durability | keys | writers | ops/s | p50 µs | p99 µs | p99.9 µs | max µs |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Measured m : results) {
      sb.append(row(m)).append('\n');
    }
    return sb.toString();
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
