package io.geodatastore.bench;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import io.netty.channel.ChannelOption;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * HTTP load on one node started as a child process ({@code bin/geods node}): a non-blocking
 * HTTP/1.1 keep-alive client (Armeria, one connection per concurrent request; {@code
 * --protocol=h2c} for HTTP/2 without TLS, the requests in flight sharing connections) in two modes:
 *
 * <ul>
 *   <li>closed loop: {@code connections} requests always in flight, for the most throughput;
 *   <li>fixed rate: requests started at a constant rate whatever the answers do, latency measured
 *       from the intended start (no coordinated omission), with at most 4 × {@code connections} in
 *       flight (a request due while all are busy is sent late, not dropped).
 * </ul>
 *
 * Scenarios: increments of one hot counter, increments over 100,000 counters, OR-Set adds, reads,
 * and the same increments sent {@code batch} at a time ({@code POST /crdt/batch}, default 100 per
 * request), where throughput is counted in operations.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.geodatastore.bench.HttpLoad OUT_DIR [--quick]
 * [--durability=fsync|os] [--connections=16] [--seconds=10] [--protocol=h1c|h2c] [--batch=100]};
 * the report goes to {@code http-load-DURABILITY.md}, with {@code -h2c} before {@code .md} for
 * HTTP/2.
 */
public final class HttpLoad {

  private HttpLoad() {}

  enum Scenario {
    INCR_HOT,
    INCR_100K,
    ORSET_ADD,
    READ,
    BATCH_INCR_HOT,
    BATCH_INCR_100K;

    boolean batched() {
      return this == BATCH_INCR_HOT || this == BATCH_INCR_100K;
    }
  }

  /** Operations per batched request ({@code --batch}). */
  private static int batchOps = 100;

  /**
   * One scenario's outcome; {@code nodeCpuMicros} is the node process's CPU time (all its threads,
   * JIT and GC included) over the measured interval, which contention on a shared machine affects
   * far less than throughput does.
   */
  record Result(
      String label,
      long ok,
      long errors,
      double seconds,
      Histogram micros,
      double nodeCpuMicros,
      int opsPerRequest) {
    double rate() {
      return ok / seconds;
    }

    double opsRate() {
      return rate() * opsPerRequest;
    }

    double cpuMicrosPerRequest() {
      return ok + errors == 0 ? 0 : nodeCpuMicros / (ok + errors);
    }
  }

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "build/bench");
    boolean quick = List.of(args).contains("--quick");
    String durability = option(args, "durability", "fsync");
    int connections = Integer.parseInt(option(args, "connections", "16"));
    long seconds = Long.parseLong(option(args, "seconds", quick ? "3" : "10"));
    String protocol = option(args, "protocol", "h1c");
    batchOps = Integer.parseInt(option(args, "batch", "100"));
    if (!protocol.equals("h1c") && !protocol.equals("h2c")) {
      throw new IllegalArgumentException("--protocol is h1c or h2c, got " + protocol);
    }
    Files.createDirectories(out.resolve("tmp"));
    int port = freePort();
    Path data = out.resolve("tmp").resolve("http-node-" + System.nanoTime());
    Process node = startNode(port, freePort(), data, durability, out.resolve("http-node.log"));
    ProcessHandle nodeHandle = node.toHandle();
    LongSupplier nodeCpu =
        () -> nodeHandle.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    List<Result> results = new ArrayList<>();
    try (ClientFactory factory =
        ClientFactory.builder()
            .idleTimeout(Duration.ofMinutes(1))
            .channelOption(ChannelOption.TCP_NODELAY, true)
            .useHttp1Pipelining(false)
            .build()) {
      awaitReady(factory, port);
      WebClient client =
          WebClient.builder(protocol + "://127.0.0.1:" + port)
              .factory(factory)
              .responseTimeout(Duration.ofSeconds(30))
              .build();
      preload(client);
      for (Scenario s : Scenario.values()) {
        Result r = closedLoop(client, s, connections, seconds, nodeCpu);
        System.out.println(row(r));
        results.add(r);
      }
      // Half of the 100,000-key closed-loop rate, at a fixed rate: the latency target's condition.
      double half = results.get(Scenario.INCR_100K.ordinal()).rate() / 2;
      Result fixed = fixedRate(client, Scenario.INCR_100K, connections * 4, half, seconds, nodeCpu);
      System.out.println(row(fixed));
      results.add(fixed);
      // The same for batches: half the batched closed-loop rate of requests.
      double halfBatches = results.get(Scenario.BATCH_INCR_100K.ordinal()).rate() / 2;
      Result fixedBatches =
          fixedRate(
              client, Scenario.BATCH_INCR_100K, connections * 4, halfBatches, seconds, nodeCpu);
      System.out.println(row(fixedBatches));
      results.add(fixedBatches);
    } finally {
      node.destroy();
      if (!node.waitFor(30, TimeUnit.SECONDS)) {
        node.destroyForcibly();
      }
    }
    String md = report(results, durability, protocol, connections, seconds, quick);
    String name = "http-load-" + durability + (protocol.equals("h2c") ? "-h2c" : "") + ".md";
    Files.writeString(out.resolve(name), md, StandardCharsets.UTF_8);
    System.out.println(md);
  }

  private static String option(String[] args, String name, String dflt) {
    for (String a : args) {
      if (a.startsWith("--" + name + "=")) {
        return a.substring(name.length() + 3);
      }
    }
    return dflt;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static Process startNode(int http, int peer, Path data, String durability, Path log)
      throws IOException {
    return new ProcessBuilder(
            "bin/geods",
            "node",
            "--node-id",
            "bench-1",
            "--region",
            "us-east",
            "--http",
            "127.0.0.1:" + http,
            "--peer",
            "127.0.0.1:" + peer,
            "--data-dir",
            data.toString(),
            "--durability",
            durability)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  private static void awaitReady(ClientFactory factory, int port) throws InterruptedException {
    WebClient c = WebClient.builder("h1c://127.0.0.1:" + port).factory(factory).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      try {
        if (c.get("/health/ready").aggregate().join().status().code() == 200) {
          return;
        }
      } catch (RuntimeException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the node did not become ready in 60 s");
  }

  private static void preload(WebClient client) {
    List<CompletableFuture<AggregatedHttpResponse>> fs = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      fs.add(
          client.execute(post("/crdt/counters/k" + i + "/increment", "{\"value\":1}")).aggregate());
    }
    fs.forEach(CompletableFuture::join);
  }

  private static HttpRequest request(WebClient unused, Scenario s, SplittableRandom r) {
    return switch (s) {
      case INCR_HOT -> post("/crdt/counters/hot/increment", "{\"value\":1}");
      case INCR_100K ->
          post("/crdt/counters/k" + r.nextInt(100_000) + "/increment", "{\"value\":1}");
      case ORSET_ADD ->
          post(
              "/crdt/sets/s" + r.nextInt(1_000) + "/add",
              "{\"element\":\"e" + r.nextInt(1_000_000) + "\"}");
      case READ -> HttpRequest.of(HttpMethod.GET, "/crdt/counters/k" + r.nextInt(1_000));
      case BATCH_INCR_HOT -> post("/crdt/batch", batch(r, 1));
      case BATCH_INCR_100K -> post("/crdt/batch", batch(r, 100_000));
    };
  }

  /** A batch of {@code batchOps} increments of 1, on keys drawn from {@code keys} (1: "hot"). */
  private static String batch(SplittableRandom r, int keys) {
    StringBuilder sb = new StringBuilder(64 * batchOps).append("{\"operations\":[");
    for (int i = 0; i < batchOps; i++) {
      sb.append(i == 0 ? "" : ",")
          .append("{\"family\":\"counters\",\"key\":\"")
          .append(keys == 1 ? "hot" : "k" + r.nextInt(keys))
          .append("\",\"op\":\"increment\",\"value\":1}");
    }
    return sb.append("]}").toString();
  }

  private static HttpRequest post(String path, String body) {
    return HttpRequest.of(HttpMethod.POST, path, MediaType.JSON_UTF_8, body);
  }

  static Result closedLoop(
      WebClient client, Scenario s, int connections, long seconds, LongSupplier nodeCpu)
      throws InterruptedException {
    ConcurrentHistogram h = new ConcurrentHistogram(TimeUnit.SECONDS.toMicros(60), 3);
    AtomicLong ok = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicBoolean recording = new AtomicBoolean(false);
    AtomicBoolean stop = new AtomicBoolean(false);
    AtomicLong inFlight = new AtomicLong();
    for (int c = 0; c < connections; c++) {
      loop(client, s, new SplittableRandom(c * 7919L), h, ok, errors, recording, stop, inFlight);
    }
    Thread.sleep(Math.min(2_000, seconds * 300));
    long cpu0 = nodeCpu.getAsLong();
    recording.set(true);
    long start = System.nanoTime();
    Thread.sleep(seconds * 1_000);
    recording.set(false);
    double elapsed = (System.nanoTime() - start) / 1e9;
    long cpu1 = nodeCpu.getAsLong();
    stop.set(true);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return new Result(
        s.name().toLowerCase(Locale.ROOT) + " closed c=" + connections,
        ok.get(),
        errors.get(),
        elapsed,
        h,
        (cpu1 - cpu0) / 1e3,
        opsPerRequest(s));
  }

  private static int opsPerRequest(Scenario s) {
    return s.batched() ? batchOps : 1;
  }

  private static void loop(
      WebClient client,
      Scenario s,
      SplittableRandom r,
      Histogram h,
      AtomicLong ok,
      AtomicLong errors,
      AtomicBoolean recording,
      AtomicBoolean stop,
      AtomicLong inFlight) {
    if (stop.get()) {
      return;
    }
    long t0 = System.nanoTime();
    inFlight.incrementAndGet();
    client
        .execute(request(client, s, r))
        .aggregate()
        .whenComplete(
            (res, err) -> {
              inFlight.decrementAndGet();
              if (recording.get()) {
                if (err == null && res.status().code() < 300) {
                  h.recordValue(
                      Math.min((System.nanoTime() - t0) / 1_000, h.getHighestTrackableValue()));
                  ok.incrementAndGet();
                } else if (errors.incrementAndGet() == 1) {
                  System.err.println(
                      s
                          + ": first error: "
                          + (err != null ? err : res.status() + " " + res.contentUtf8()));
                }
              }
              loop(client, s, r, h, ok, errors, recording, stop, inFlight);
            });
  }

  static Result fixedRate(
      WebClient client,
      Scenario s,
      int maxInFlight,
      double perSecond,
      long seconds,
      LongSupplier nodeCpu)
      throws InterruptedException {
    ConcurrentHistogram h = new ConcurrentHistogram(TimeUnit.SECONDS.toMicros(60), 3);
    AtomicLong ok = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    // At most maxInFlight requests at once (one connection each). A request whose start comes
    // while all are busy waits for one to finish and is sent late, its latency still measured from
    // its intended start: the node being behind shows as latency, as it would to a real client,
    // and is never counted as an error. (Dropping such requests as errors reported hundreds of
    // "errors" whenever the generator's own thread was descheduled on a busy machine and then
    // found many starts overdue at once.)
    Semaphore slots = new Semaphore(maxInFlight);
    SplittableRandom r = new SplittableRandom(42);
    long cpu0 = nodeCpu.getAsLong();
    Pacer pacer = new Pacer(perSecond);
    long start = pacer.start();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    long late = 0;
    for (long due = pacer.awaitNext(end); due >= 0; due = pacer.awaitNext(end)) {
      long intended = due;
      if (!slots.tryAcquire()) {
        late++;
        slots.acquire();
      }
      client
          .execute(request(client, s, r))
          .aggregate()
          .whenComplete(
              (res, err) -> {
                slots.release();
                if (err == null && res.status().code() < 300) {
                  h.recordValue(
                      Math.min(
                          (System.nanoTime() - intended) / 1_000, h.getHighestTrackableValue()));
                  ok.incrementAndGet();
                } else if (errors.incrementAndGet() == 1) {
                  System.err.println(
                      s
                          + " fixed rate: first error: "
                          + (err != null ? err : res.status() + " " + res.contentUtf8()));
                }
              });
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    if (!slots.tryAcquire(maxInFlight, 30, TimeUnit.SECONDS)) {
      System.err.println(s + " fixed rate: requests still unanswered after 30 s");
    }
    long cpu1 = nodeCpu.getAsLong();
    if (late > 0) {
      System.err.printf(
          Locale.ROOT,
          "%s fixed rate: %d of the requests waited for a free connection (sent late, latency"
              + " counted from their intended start)%n",
          s,
          late);
    }
    return new Result(
        String.format(
            Locale.ROOT,
            "%s fixed %.0f/s c=%d",
            s.name().toLowerCase(Locale.ROOT),
            perSecond,
            maxInFlight),
        ok.get(),
        errors.get(),
        elapsed,
        h,
        (cpu1 - cpu0) / 1e3,
        opsPerRequest(s));
  }

  static String row(Result r) {
    Histogram h = r.micros();
    return String.format(
        Locale.ROOT,
        "| %s | %,.0f | %,.0f | %d | %.1f | %d | %d | %d | %d |",
        r.label(),
        r.rate(),
        r.opsRate(),
        r.errors(),
        r.cpuMicrosPerRequest() / r.opsPerRequest(),
        h.getValueAtPercentile(50),
        h.getValueAtPercentile(99),
        h.getValueAtPercentile(99.9),
        h.getMaxValue());
  }

  /** The machine's load average, which says how much the figures suffered from contention. */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  static String report(
      List<Result> results,
      String durability,
      String protocol,
      int connections,
      long seconds,
      boolean quick) {
    StringBuilder sb = new StringBuilder("# HTTP load on one node\n\n");
    sb.append("- when: ").append(OffsetDateTime.now()).append('\n');
    sb.append("- machine: ")
        .append(BenchReport.machine())
        .append(" (node and load generator share it)\n");
    sb.append("- load average at the end (1, 5, 15 min): ").append(loadAverage()).append('\n');
    sb.append(
        String.format(
            Locale.ROOT,
            "- node: bin/geods, durability %s; client: Armeria %s, %d %s, %d s per scenario%s%n",
            durability,
            protocol.equals("h2c") ? "HTTP/2 without TLS" : "HTTP/1.1 keep-alive",
            connections,
            protocol.equals("h2c") ? "requests in flight on shared connections" : "connections",
            seconds,
            quick ? " (quick: indicative only)" : ""));
    sb.append(
        String.format(
            Locale.ROOT,
            "- batch_* scenarios: POST /crdt/batch with %d increments per request; operations/s"
                + " counts increments, and node CPU is per increment%n%n",
            batchOps));
    sb.append(
        "| scenario | req/s | operations/s | errors | node CPU µs/operation | p50 µs | p99 µs |"
            + " p99.9 µs | max µs |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    results.forEach(r -> sb.append(row(r)).append('\n'));
    return sb.toString();
  }
}
