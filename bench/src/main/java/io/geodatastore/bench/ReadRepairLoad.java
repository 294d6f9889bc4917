package io.geodatastore.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The cost of read repair: the latency of {@code quorum} reads that find a replica behind (and so
 * wait until a majority holds the merged record before answering) against {@code quorum} reads that
 * need no repair, on a three-node cluster of one region started as child processes ({@code
 * bin/geods node}, fsync durability unless {@code --durability=os}) on free ports.
 *
 * <p>One client, one request at a time (no queueing in the numbers). Three scenarios, each on fresh
 * keys:
 *
 * <ul>
 *   <li><b>in sync</b>: a write at {@code all} on node 1 (every replica holds it), then a quorum
 *       read at node 1: nothing to repair;
 *   <li><b>coordinator behind</b>: a write at {@code eventual} on node 2, then at once a quorum
 *       read at node 1, which has not received it yet (replication batches wait 2 ms): when node
 *       2's record is among the first two answers, node 1 merges it durably before answering;
 *   <li><b>peer behind</b>: a write at {@code eventual} on node 1, then at once a quorum read at
 *       node 1: the first peer to answer has not received it yet, and is sent the merged record;
 *       the answer waits for its acknowledgement.
 * </ul>
 *
 * Each read is classified by its {@code X-Geo-Read-Repairs} header (replicas found behind and
 * repaired before the answer), so "repaired" and "not repaired" compare reads of the same scenario.
 * The report gives p50/p90/p99/max per class and the p99 difference.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.geodatastore.bench.ReadRepairLoad OUT_DIR [--quick]
 * [--durability=fsync|os] [--reads=N]}; run from the repository root (it starts {@code bin/geods}).
 */
public final class ReadRepairLoad {

  private ReadRepairLoad() {}

  private static final int NODES = 3;
  private static final String HEADER = "x-geo-read-repairs";

  /** One class of reads and their latencies in microseconds. */
  record Series(String label, Histogram micros) {
    Series(String label) {
      this(label, new Histogram(TimeUnit.SECONDS.toMicros(60), 3));
    }
  }

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "build/bench");
    boolean quick = List.of(args).contains("--quick");
    String durability = option(args, "durability", "fsync");
    int reads = Integer.parseInt(option(args, "reads", quick ? "300" : "3000"));
    int warmup = quick ? 100 : 500;
    Path tmp = out.resolve("tmp").resolve("read-repair-" + System.nanoTime());
    Files.createDirectories(tmp);
    int[] http = new int[NODES];
    int[] peer = new int[NODES];
    for (int i = 0; i < NODES; i++) {
      http[i] = freePort();
      peer[i] = freePort();
    }
    List<Process> nodes = new ArrayList<>();
    Map<String, Series> series = new LinkedHashMap<>();
    long inSyncRepairs = 0;
    String loadBefore = loadAverage();
    try {
      for (int i = 0; i < NODES; i++) {
        nodes.add(startNode(i, http, peer, tmp, durability, out));
      }
      HttpClient client =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(5))
              .build();
      for (int port : http) {
        awaitClusterReady(client, port);
      }
      Series inSync = new Series("in sync (no repair)");
      Series behindRepaired = new Series("coordinator behind, repaired");
      Series behindNot = new Series("coordinator behind, not repaired");
      Series peerRepaired = new Series("peer behind, repaired");
      Series peerNot = new Series("peer behind, not repaired");
      for (Series s : List.of(inSync, behindRepaired, behindNot, peerRepaired, peerNot)) {
        series.put(s.label(), s);
      }
      for (int i = 0; i < warmup + reads; i++) {
        boolean measured = i >= warmup;
        // in sync
        check(post(client, http[0], "/crdt/counters/s" + i + "/increment?consistency=all"));
        Timed t = quorumRead(client, http[0], "/crdt/counters/s" + i);
        if (measured) {
          inSync.micros().recordValue(t.micros);
          inSyncRepairs += t.repairs;
        }
        // coordinator behind
        check(post(client, http[1], "/crdt/counters/c" + i + "/increment"));
        t = quorumRead(client, http[0], "/crdt/counters/c" + i);
        if (measured) {
          (t.repairs > 0 ? behindRepaired : behindNot).micros().recordValue(t.micros);
        }
        // peer behind
        check(post(client, http[0], "/crdt/counters/p" + i + "/increment"));
        t = quorumRead(client, http[0], "/crdt/counters/p" + i);
        if (measured) {
          (t.repairs > 0 ? peerRepaired : peerNot).micros().recordValue(t.micros);
        }
      }
      if (inSyncRepairs > 0) {
        System.err.println("warning: in-sync reads repaired " + inSyncRepairs + " replicas");
      }
    } finally {
      for (Process p : nodes) {
        p.destroy();
      }
      for (Process p : nodes) {
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
      deleteTree(tmp);
    }
    String md = report(series, durability, reads, quick, loadBefore, loadAverage());
    Files.writeString(out.resolve("read-repair-" + durability + ".md"), md, StandardCharsets.UTF_8);
    System.out.println(md);
  }

  private record Timed(long micros, int repairs) {}

  private static Timed quorumRead(HttpClient client, int port, String path)
      throws IOException, InterruptedException {
    HttpRequest req =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + path + "?consistency=quorum"))
            .timeout(Duration.ofSeconds(30))
            .GET()
            .build();
    long started = System.nanoTime();
    HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
    long micros = (System.nanoTime() - started) / 1_000;
    // 404: the first two answers were both from replicas the new key had not reached yet.
    if (r.statusCode() != 200 && r.statusCode() != 404) {
      throw new IllegalStateException(
          "quorum read of " + path + ": " + r.statusCode() + " " + r.body());
    }
    int repairs = Integer.parseInt(r.headers().firstValue(HEADER).orElse("0"));
    return new Timed(micros, repairs);
  }

  private static HttpResponse<String> post(HttpClient client, int port, String path)
      throws IOException, InterruptedException {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build();
    return client.send(req, HttpResponse.BodyHandlers.ofString());
  }

  private static void check(HttpResponse<String> r) {
    if (r.statusCode() != 200) {
      throw new IllegalStateException(r.uri() + ": " + r.statusCode() + " " + r.body());
    }
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

  private static Process startNode(
      int i, int[] http, int[] peer, Path tmp, String durability, Path out) throws IOException {
    List<String> seeds = new ArrayList<>();
    for (int j = 0; j < NODES; j++) {
      if (j != i) {
        seeds.add("127.0.0.1:" + peer[j]);
      }
    }
    ProcessBuilder pb =
        new ProcessBuilder(
                "bin/geods",
                "node",
                "--node-id",
                "rr-" + (i + 1),
                "--region",
                "us-east",
                "--http",
                "127.0.0.1:" + http[i],
                "--peer",
                "127.0.0.1:" + peer[i],
                "--seeds",
                String.join(",", seeds),
                "--data-dir",
                tmp.resolve("rr-" + (i + 1)).toString(),
                "--durability",
                durability)
            .redirectErrorStream(true)
            .redirectOutput(out.resolve("read-repair-node-" + (i + 1) + ".log").toFile());
    pb.environment().putIfAbsent("JAVA_OPTS", "-Xms64m -Xmx512m");
    return pb.start();
  }

  /** Waits (bounded) until the node answers ready and sees three alive members. */
  private static void awaitClusterReady(HttpClient client, int port) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r =
            client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/admin/status"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && count(r.body(), "\"state\":\"alive\"") == NODES) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the node on " + port + " did not see the cluster in 90 s");
  }

  private static int count(String s, String part) {
    int n = 0;
    for (int at = s.indexOf(part); at >= 0; at = s.indexOf(part, at + 1)) {
      n++;
    }
    return n;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static String ms(Histogram h, double percentile) {
    return h.getTotalCount() == 0
        ? "-"
        : String.format(Locale.ROOT, "%.2f", h.getValueAtPercentile(percentile) / 1000.0);
  }

  /** The 1, 5 and 15 minute load averages (Linux), to say how busy the machine was. */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  static String report(
      Map<String, Series> series,
      String durability,
      int reads,
      boolean quick,
      String loadBefore,
      String loadAfter) {
    StringBuilder sb = new StringBuilder("# Read repair: quorum read latency\n\n");
    sb.append("- when: ").append(OffsetDateTime.now()).append('\n');
    sb.append("- machine: ").append(BenchReport.machine()).append('\n');
    sb.append("- cluster: 3 `bin/geods` processes on this machine, one region, durability ")
        .append(durability)
        .append("; one client, one request at a time\n");
    sb.append("- load average (1/5/15 min) before: ")
        .append(loadBefore)
        .append(", after: ")
        .append(loadAfter)
        .append('\n');
    sb.append("- reads: ")
        .append(reads)
        .append(" per scenario after warm-up")
        .append(quick ? " (quick: indicative only)" : "")
        .append("\n\n");
    sb.append(
        "| reads | count | p50 ms | p90 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|\n");
    for (Series s : series.values()) {
      Histogram h = s.micros();
      sb.append("| ")
          .append(s.label())
          .append(" | ")
          .append(h.getTotalCount())
          .append(" | ")
          .append(ms(h, 50))
          .append(" | ")
          .append(ms(h, 90))
          .append(" | ")
          .append(ms(h, 99))
          .append(" | ")
          .append(
              h.getTotalCount() == 0
                  ? "-"
                  : String.format(Locale.ROOT, "%.2f", h.getMaxValue() / 1000.0))
          .append(" |\n");
    }
    Histogram base = series.get("in sync (no repair)").micros();
    sb.append('\n');
    for (String label : List.of("coordinator behind, repaired", "peer behind, repaired")) {
      Histogram h = series.get(label).micros();
      if (h.getTotalCount() > 0 && base.getTotalCount() > 0) {
        sb.append(
            String.format(
                Locale.ROOT,
                "- extra latency of a read that repairs (%s) over an in-sync read: p50 %+.2f ms,"
                    + " p99 %+.2f ms\n",
                label.substring(0, label.indexOf(',')),
                (h.getValueAtPercentile(50) - base.getValueAtPercentile(50)) / 1000.0,
                (h.getValueAtPercentile(99) - base.getValueAtPercentile(99)) / 1000.0));
      }
    }
    return sb.toString();
  }
}
