package io.geodatastore.bench;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import io.netty.channel.ChannelOption;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Cross-region propagation on a local cluster started with {@code scripts/cluster start} (three
 * regions, fault injection on): from a write's acknowledgement at the origin to its visibility in
 * every other region, with a background load of increments at a fixed rate and an injected
 * inter-region latency.
 *
 * <p>Every 50 ms a probe writes a sequence number to an LWW register at the first region's node;
 * one poller per other region reads the register every half millisecond while a probe it has not
 * seen is out (and sleeps otherwise until the next probe is acknowledged, so as not to take the
 * cores the nodes replicate on), and records, for each sequence number it sees first, the time
 * since the origin acknowledged it. Each run also reports the background writes: how many were not
 * sent because {@link #MAX_IN_FLIGHT} were out (a stall, of the origin or of this client, longer
 * than that many starts), how many failed, and their latency from intended start to answer. Two
 * first runs, not reported, warm the nodes' and this client's compilers up: a third of
 * CROSS_WARMUP_S (default 360) at 1,000 writes/s, the rest at 10,000. A node's compilers take about
 * 60 s of CPU in the first minute of load and keep compiling for about two (jstat -compiler on the
 * origin at 10,000/s: 56 s compiled at 60 s, 72 s at 140 s, then nearly nothing); while they do,
 * the origin's shard and cluster threads were seen to stall together for 15–40 ms about twice a
 * second (JFR, h2load at 1,000 writes/s). After 120 s of warm-up the probe p99 at 1,000/s with
 * nothing injected was 37.2 ms, after 360 s 23.8 ms (session 8). All processes share one machine
 * and one clock, so the times compare directly. The replication lag (the seed's {@code
 * geodatastore_replication_lag_seconds}) is sampled at the start and end of each run to show
 * whether it grows. So is the CPU time of each node (by the pids in CROSS_PIDS) and of this client,
 * per background write, and the busy share of the machine's cores: the report then tells a tail
 * that the cores caused from one the design did. Session 9, after 360 s of warm-up: at 1,000 evenly
 * paced writes/s the cores were 71–79% busy, the origin spending about 500 µs per write and each
 * replica about 350–420 (each write wakes its threads one by one, and a wake-up is costly on this
 * virtual machine), against 68–83 and 34–41 at 10,000/s. h2load's {@code --rps}, which sends its
 * requests in bursts every 10 ms, showed less at 1,000/s (after 90 s of warm-up: 410–450 µs at the
 * origin, 180–200 at each replica).
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.geodatastore.bench.CrossRegionLoad OUT_DIR [--quick]}
 * with the cluster on ports BASE_PORT (origin, default 8080), BASE_PORT+1 and BASE_PORT+2.
 * CROSS_LATENCIES (default 0,50,150) and CROSS_RATES (default 1000,10000) choose the runs;
 * CROSS_SETTLE_S (default 5) is the pause without load before each.
 *
 * <p>The client speaks HTTP/2 without TLS (CROSS_PROTOCOL, default {@code h2c}; {@code h1c} for
 * HTTP/1.1), as services talking to a datastore in their own region usually do: requests in flight
 * share a few connections, so the load's many small writes cost the node and this client fewer
 * system calls and loopback TCP segments. Measured at 10,000/s on this machine's 2 cores, back to
 * back: the origin's HTTP event loops spent 36 µs per write over HTTP/2 against 68 over HTTP/1.1,
 * this client 30 against 44, and the origin took 9,192–9,584 writes/s against 6,938–7,410.
 */
public final class CrossRegionLoad {

  /**
   * How long a poller waits after a read that did not show the probe it waits for. Back-to-back
   * reads (5,000–10,000 a second from each poller) took CPU from the replicas merging that very
   * probe; this gap makes a probe look visible at most about half a millisecond late.
   */
  private static final long POLL_GAP_NANOS = TimeUnit.MICROSECONDS.toNanos(500);

  private CrossRegionLoad() {}

  /**
   * Most background writes in flight (CROSS_MAX_IN_FLIGHT, default 512: 51 ms of starts at
   * 10,000/s); a start due while this many are out is not sent, and counted.
   */
  static final int MAX_IN_FLIGHT =
      Integer.parseInt(System.getenv().getOrDefault("CROSS_MAX_IN_FLIGHT", "512"));

  /**
   * Background writes per request (CROSS_BATCH, default 1: each its own {@code POST
   * /crdt/counters/{key}/increment}). Above 1 they go as {@code POST /crdt/batch} of that many
   * increments, so that what the run measures is replication across regions rather than the
   * origin's cost of one HTTP exchange per write; rates and counts stay in writes.
   */
  static final int BATCH = Integer.parseInt(System.getenv().getOrDefault("CROSS_BATCH", "1"));

  record Run(
      long injectedMs,
      int rate,
      double achievedRate,
      Histogram visibleMicros,
      long probes,
      String lagStart,
      String lagEnd,
      Load load,
      Cpu cpu) {}

  /**
   * CPU spent during a run, from {@code /proc} ({@link CpuTimes}): per background write, by each
   * node (NaN where its pid is unknown) and by this client, the probes' and pollers' requests
   * included; and the busy share of the machine's cores. The window runs from the start of the load
   * to the end of the pause after it (at least 1 s, four times the injected latency) in which the
   * last writes replicate, so the busy share is a little below that of the load alone.
   */
  record Cpu(double[] nodeMicros, double clientMicros, double busyShare) {}

  /**
   * The nodes' pids, in the order of the ports, from the cluster's pid file (CROSS_PIDS, default
   * {@code build/cluster/pids}: lines {@code pid id port}, as {@code scripts/cluster} writes them);
   * -1 for a node not found there.
   */
  static long[] nodePids(int[] ports) {
    long[] pids = new long[ports.length];
    Arrays.fill(pids, -1);
    Path file = Path.of(System.getenv().getOrDefault("CROSS_PIDS", "build/cluster/pids"));
    try {
      for (String line : Files.readAllLines(file)) {
        String[] f = line.trim().split("\\s+");
        for (int i = 0; f.length >= 3 && i < ports.length; i++) {
          if (f[2].equals(Integer.toString(ports[i]))) {
            pids[i] = Long.parseLong(f[0]);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // No pid file (a cluster started otherwise): the report says the nodes' CPU is unknown.
    }
    return pids;
  }

  /**
   * What the background load did: writes answered with success, failed, and not sent because {@link
   * #MAX_IN_FLIGHT} were out (the origin, or this client, had stalled for over {@code MAX_IN_FLIGHT
   * / rate}); latency from each write's intended start to its answer.
   */
  static final class Load {
    final AtomicLong ok = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong notSent = new AtomicLong();
    final Histogram micros = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);

    synchronized void record(long startNanos) {
      micros.recordValue(Math.max(0, (System.nanoTime() - startNanos) / 1_000));
    }

    synchronized double percentileMs(double p) {
      return micros.getValueAtPercentile(p) / 1000.0;
    }
  }

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "build/bench");
    boolean quick = List.of(args).contains("--quick");
    long seconds = quick ? 5 : 15;
    List<String> regions = List.of("us-east", "eu-west", "ap-southeast");
    int base = Integer.parseInt(System.getenv().getOrDefault("BASE_PORT", "8080"));
    int[] ports = {base, base + 1, base + 2};
    List<Run> runs = new ArrayList<>();
    long[] pids = nodePids(ports);
    // A run at 10,000/s leaves work behind it (RocksDB flushes and compactions, collections): each
    // run starts after a pause without load, so as not to be charged with the one before.
    long settleMs =
        TimeUnit.SECONDS.toMillis(
            Long.parseLong(System.getenv().getOrDefault("CROSS_SETTLE_S", quick ? "1" : "5")));
    String protocol = System.getenv().getOrDefault("CROSS_PROTOCOL", "h2c");
    // Fresh node JVMs spend about a minute of CPU compiling the request and replication paths
    // (jstat -compiler: 62 s after the first 40 s of load, 101 s after two minutes), and the
    // compiler threads take the cores the nodes need: warm up at both rates, not reported.
    long warmUpSeconds =
        quick ? 6 : Long.parseLong(System.getenv().getOrDefault("CROSS_WARMUP_S", "360"));
    try (ClientFactory factory =
        ClientFactory.builder().channelOption(ChannelOption.TCP_NODELAY, true).build()) {
      List<WebClient> nodes = new ArrayList<>();
      for (int p : ports) {
        nodes.add(
            WebClient.builder(protocol + "://127.0.0.1:" + p)
                .factory(factory)
                .responseTimeout(Duration.ofSeconds(30))
                .build());
      }
      injectLatency(nodes, regions, 0);
      System.out.println("warm-up: " + row(run(nodes, pids, 0, 1_000, warmUpSeconds / 3)));
      System.out.println(
          "warm-up: " + row(run(nodes, pids, 0, 10_000, warmUpSeconds - warmUpSeconds / 3)));
      for (long latency : longs("CROSS_LATENCIES", "0,50,150")) {
        injectLatency(nodes, regions, latency);
        for (long rate : longs("CROSS_RATES", "1000,10000")) {
          Thread.sleep(settleMs);
          Run r = run(nodes, pids, latency, (int) rate, seconds);
          System.out.println(row(r) + " cpu " + cpuRow(r));
          runs.add(r);
        }
      }
      injectLatency(nodes, regions, -1);
    }
    String md = report(runs, seconds, settleMs, warmUpSeconds, quick, protocol);
    Files.createDirectories(out);
    Files.writeString(out.resolve("cross-region.md"), md, StandardCharsets.UTF_8);
    System.out.println(md);
  }

  /** A comma-separated list of numbers from the environment variable {@code name}. */
  private static long[] longs(String name, String fallback) {
    String v = System.getenv().getOrDefault(name, fallback);
    return Arrays.stream(v.split(",")).map(String::trim).mapToLong(Long::parseLong).toArray();
  }

  /** Delays every node's messages towards each other region by {@code ms}; negative heals. */
  private static void injectLatency(List<WebClient> nodes, List<String> regions, long ms) {
    for (int i = 0; i < nodes.size(); i++) {
      WebClient n = nodes.get(i);
      check(n.delete("/admin/faults").aggregate().join(), "heal");
      if (ms <= 0) {
        continue;
      }
      for (int j = 0; j < regions.size(); j++) {
        if (i != j) {
          String body = "{\"region\":\"" + regions.get(j) + "\",\"ms\":" + ms + ",\"jitter_ms\":0}";
          check(
              n.execute(
                      HttpRequest.of(
                          HttpMethod.POST, "/admin/faults/latency", MediaType.JSON_UTF_8, body))
                  .aggregate()
                  .join(),
              "latency");
        }
      }
    }
  }

  private static void check(AggregatedHttpResponse r, String what) {
    if (r.status().code() >= 300) {
      throw new IllegalStateException(what + ": " + r.status() + " " + r.contentUtf8());
    }
  }

  static Run run(List<WebClient> nodes, long[] pids, long latency, int rate, long seconds)
      throws Exception {
    WebClient origin = nodes.get(0);
    // Its own key per run: a register left by an earlier run (the warm-up's) would hold a later
    // sequence number than this run's first probes.
    String probeKey = "probe-" + latency + "-" + rate + "-" + Long.toHexString(System.nanoTime());
    AtomicBoolean stop = new AtomicBoolean(false);
    Load load = new Load();
    Histogram visible = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    Probes probes = new Probes((int) (seconds * 20 + 100));
    String lagStart = lag(origin);
    // The nodes and, last, this client.
    long[] measured = Arrays.copyOf(pids, pids.length + 1);
    measured[pids.length] = ProcessHandle.current().pid();
    CpuTimes.Sample cpuBefore = CpuTimes.Sample.take(measured);

    Thread loader =
        Thread.ofPlatform().name("load").start(() -> background(origin, rate, seconds, stop, load));
    List<Thread> pollers = new ArrayList<>();
    for (int i = 1; i < nodes.size(); i++) {
      WebClient n = nodes.get(i);
      pollers.add(
          Thread.ofPlatform()
              .name("poll-" + i)
              .start(() -> poll(n, probeKey, latency, probes, visible)));
    }
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    int seq = 0;
    while (System.nanoTime() < end && seq < probes.capacity() - 1) {
      seq++;
      String body = "{\"value\":" + seq + "}";
      AggregatedHttpResponse r =
          origin
              .execute(
                  HttpRequest.of(
                      HttpMethod.POST, "/crdt/registers/" + probeKey, MediaType.JSON_UTF_8, body))
              .aggregate()
              .join();
      probes.acknowledged(seq, System.nanoTime());
      check(r, "probe");
      Thread.sleep(50);
    }
    Thread.sleep(Math.max(1_000, latency * 4));
    stop.set(true);
    probes.stop();
    loader.join(TimeUnit.SECONDS.toMillis(60));
    for (Thread p : pollers) {
      p.join(TimeUnit.SECONDS.toMillis(10));
    }
    long writes = load.ok.get();
    CpuTimes.Sample cpuAfter = CpuTimes.Sample.take(measured);
    double[] micros = cpuAfter.microsPerSince(cpuBefore, writes);
    Cpu cpu =
        new Cpu(
            Arrays.copyOf(micros, pids.length),
            micros[pids.length],
            cpuAfter.busyShareSince(cpuBefore));
    return new Run(
        latency, rate, writes / (double) seconds, visible, seq, lagStart, lag(origin), load, cpu);
  }

  /** Increments on 10,000 keys at {@code rate} per second, at most {@link #MAX_IN_FLIGHT} out. */
  private static void background(
      WebClient origin, int rate, long seconds, AtomicBoolean stop, Load load) {
    SplittableRandom r = new SplittableRandom(rate);
    AtomicLong inFlight = new AtomicLong();
    Pacer pacer = new Pacer((double) rate / BATCH);
    long end = pacer.start() + TimeUnit.SECONDS.toNanos(seconds);
    while (!stop.get()) {
      long intended;
      try {
        intended = pacer.awaitNext(end);
        if (intended < 0) {
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (inFlight.get() >= MAX_IN_FLIGHT) {
        load.notSent.addAndGet(BATCH);
        continue;
      }
      inFlight.incrementAndGet();
      origin
          .execute(BATCH == 1 ? increment(r) : batch(r))
          .aggregate()
          .whenComplete(
              (res, err) -> {
                inFlight.decrementAndGet();
                if (err == null && res.status().code() < 300) {
                  int failed = BATCH == 1 ? 0 : failedInBatch(res.contentUtf8());
                  load.ok.addAndGet(BATCH - failed);
                  load.failed.addAndGet(failed);
                  load.record(intended);
                } else {
                  load.failed.addAndGet(BATCH);
                }
              });
    }
  }

  private static HttpRequest increment(SplittableRandom r) {
    return HttpRequest.of(
        HttpMethod.POST,
        "/crdt/counters/load-" + r.nextInt(10_000) + "/increment",
        MediaType.JSON_UTF_8,
        "{\"value\":1}");
  }

  /** {@link #BATCH} increments of 1 on keys among the same 10,000. */
  private static HttpRequest batch(SplittableRandom r) {
    StringBuilder sb = new StringBuilder(64 * BATCH).append("{\"operations\":[");
    for (int i = 0; i < BATCH; i++) {
      sb.append(i == 0 ? "" : ",")
          .append("{\"family\":\"counters\",\"key\":\"load-")
          .append(r.nextInt(10_000))
          .append("\",\"op\":\"increment\"}");
    }
    return HttpRequest.of(
        HttpMethod.POST, "/crdt/batch", MediaType.JSON_UTF_8, sb.append("]}").toString());
  }

  /** The {@code "failed"} count at the end of a batch's answer. */
  static int failedInBatch(String answer) {
    int i = answer.lastIndexOf("\"failed\":");
    if (i < 0) {
      return BATCH;
    }
    int j = i + "\"failed\":".length();
    int k = j;
    while (k < answer.length() && Character.isDigit(answer.charAt(k))) {
      k++;
    }
    return k == j ? BATCH : Integer.parseInt(answer.substring(j, k));
  }

  /**
   * The probes acknowledged so far, for the pollers: each one's acknowledgement time at the origin.
   * A poller waits here for the next probe, without waking while none is out (it used to look every
   * 200 µs: 10,000 wake-ups a second from two pollers, at 1,000 writes/s a quarter of this client's
   * CPU, taken from the cores the nodes replicate on).
   */
  static final class Probes {
    private final long[] ackNanos;
    private long last;
    private boolean stopped;

    Probes(int capacity) {
      ackNanos = new long[capacity];
    }

    int capacity() {
      return ackNanos.length;
    }

    synchronized void acknowledged(int seq, long nanos) {
      ackNanos[seq] = nanos;
      last = seq;
      notifyAll();
    }

    synchronized void stop() {
      stopped = true;
      notifyAll();
    }

    /**
     * Waits until probe {@code seq} is acknowledged and returns when it was, or returns -1 once the
     * run is stopping.
     */
    synchronized long awaitAcknowledged(long seq) throws InterruptedException {
      while (!stopped && (last < seq || seq >= ackNanos.length)) {
        wait();
      }
      return stopped ? -1 : ackNanos[(int) seq];
    }

    /** When probe {@code seq} was acknowledged, or -1 if it was not (yet). */
    synchronized long acknowledgedAt(long seq) {
      return seq >= 1 && seq <= last ? ackNanos[(int) seq] : -1;
    }
  }

  private static void poll(
      WebClient node, String key, long injectedMs, Probes probes, Histogram visible) {
    long seen = 0;
    while (true) {
      // Nothing to observe until the next probe is acknowledged, nor before the injected latency
      // has nearly passed since (every message to this region waits that long): polling then
      // would only take the CPU that the nodes, on the same cores, need to replicate it. (At 150
      // ms injected, two pollers polling from the acknowledgement on kept the cores busy all the
      // time.) Polls start 5 ms early; a probe already visible at the first poll counts as visible
      // then, so the figure can only err high.
      long next;
      try {
        next = probes.awaitAcknowledged(seen + 1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (next < 0) {
        return;
      }
      long early = next + TimeUnit.MILLISECONDS.toNanos(injectedMs - 5) - System.nanoTime();
      if (early > 0) {
        LockSupport.parkNanos(early);
        continue;
      }
      AggregatedHttpResponse r = node.get("/crdt/registers/" + key).aggregate().join();
      long now = System.nanoTime();
      if (r.status().code() == 200) {
        String body = r.contentUtf8();
        int at = body.indexOf("\"value\":");
        if (at >= 0) {
          int endAt = at + 8;
          while (endAt < body.length() && Character.isDigit(body.charAt(endAt))) {
            endAt++;
          }
          long v = Long.parseLong(body.substring(at + 8, endAt));
          long ack = v > seen ? probes.acknowledgedAt(v) : -1;
          if (ack > 0) {
            seen = v;
            synchronized (visible) {
              visible.recordValue(Math.max(0, (now - ack) / 1_000));
            }
            continue;
          }
        }
      }
      LockSupport.parkNanos(POLL_GAP_NANOS);
    }
  }

  private static String lag(WebClient origin) {
    AggregatedHttpResponse r = origin.get("/admin/replication/lag").aggregate().join();
    String s = r.contentUtf8().replaceAll("\\s+", " ");
    return s.length() > 160 ? s.substring(0, 160) + "…" : s;
  }

  static String row(Run r) {
    Histogram h = r.visibleMicros();
    return String.format(
        Locale.ROOT,
        "| %d | %,d | %,.0f | %d | %.1f | %.1f | %.1f | %s | %,d | %,d | %.1f | %.1f |",
        r.injectedMs(),
        r.rate(),
        r.achievedRate(),
        h.getTotalCount(),
        h.getValueAtPercentile(50) / 1000.0,
        h.getValueAtPercentile(99) / 1000.0,
        h.getMaxValue() / 1000.0,
        r.injectedMs() + 20,
        r.load().notSent.get(),
        r.load().failed.get(),
        r.load().percentileMs(99),
        r.load().percentileMs(100));
  }

  static String cpuRow(Run r) {
    StringBuilder sb =
        new StringBuilder(String.format(Locale.ROOT, "| %d | %,d |", r.injectedMs(), r.rate()));
    for (double m : r.cpu().nodeMicros()) {
      sb.append(cell("%.0f", m));
    }
    return sb.append(cell("%.0f", r.cpu().clientMicros()))
        .append(cell("%.0f%%", r.cpu().busyShare() * 100))
        .toString();
  }

  /** A table cell of {@code value} in {@code format}, or "?" when it is unknown (NaN). */
  private static String cell(String format, double value) {
    return Double.isNaN(value) ? " ? |" : " " + String.format(Locale.ROOT, format, value) + " |";
  }

  static String report(
      List<Run> runs,
      long seconds,
      long settleMs,
      long warmUpSeconds,
      boolean quick,
      String protocol) {
    StringBuilder sb = new StringBuilder("# Cross-region propagation\n\n");
    sb.append("- when: ").append(OffsetDateTime.now()).append('\n');
    sb.append("- machine: ")
        .append(BenchReport.machine())
        .append(" (all nodes and the load on it)\n");
    sb.append(
        String.format(
            Locale.ROOT,
            "- %d s per run%s, each after %d s without load (CROSS_SETTLE_S), after a warm-up of %d s (1,000 then 10,000 writes/s, not reported: CROSS_WARMUP_S); probes every 50 ms at us-east, observed from eu-west and ap-southeast; background increments on 10,000 keys at us-east; client protocol %s (CROSS_PROTOCOL), at most %d background requests in flight (CROSS_MAX_IN_FLIGHT), %s%n%n",
            seconds,
            quick ? " (quick: indicative only)" : "",
            settleMs / 1000,
            warmUpSeconds,
            protocol,
            MAX_IN_FLIGHT,
            BATCH == 1
                ? "one write per request (CROSS_BATCH=1)"
                : BATCH + " writes per request, POST /crdt/batch (CROSS_BATCH)"));
    sb.append(
        "| injected ms | target writes/s | achieved writes/s | observations | p50 ms | p99 ms | max ms | goal p99 ≤ ms | writes not sent | writes failed | write p99 ms | write max ms |\n");
    sb.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    runs.forEach(r -> sb.append(row(r)).append('\n'));
    sb.append(
        String.format(
            Locale.ROOT,
            "%nCPU per background write, from /proc (the nodes' and this client's user and system time, the probes' and polls' requests included), and the busy share of the machine's %d cores over the run (busy at 100%%, the cores, not the design, set the pace):%n%n",
            Runtime.getRuntime().availableProcessors()));
    sb.append(
        "| injected ms | target writes/s | us-east µs | eu-west µs | ap-southeast µs | client µs | machine busy |\n");
    sb.append("|---:|---:|---:|---:|---:|---:|---:|\n");
    runs.forEach(r -> sb.append(cpuRow(r)).append('\n'));
    sb.append("\nReplication lag at the origin, start → end of each run:\n\n");
    runs.forEach(
        r ->
            sb.append(
                String.format(
                    Locale.ROOT,
                    "- %d ms, %,d/s: `%s` → `%s`%n",
                    r.injectedMs(),
                    r.rate(),
                    r.lagStart(),
                    r.lagEnd())));
    return sb.toString();
  }
}
