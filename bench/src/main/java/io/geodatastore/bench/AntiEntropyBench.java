package io.geodatastore.bench;

import io.geodatastore.cluster.NodeAddress;
import io.geodatastore.cluster.NodeId;
import io.geodatastore.cluster.membership.MembershipOptions;
import io.geodatastore.cluster.repair.AntiEntropy;
import io.geodatastore.cluster.repair.AntiEntropyOptions;
import io.geodatastore.cluster.repair.ExchangeReport;
import io.geodatastore.cluster.repair.JobStatus;
import io.geodatastore.cluster.replication.ReplicationOptions;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.op.Operation;
import io.geodatastore.node.cluster.ClusterNode;
import io.geodatastore.node.cluster.Faults;
import io.geodatastore.node.cluster.GrpcTransport;
import io.geodatastore.storage.CorruptRecordException;
import io.geodatastore.storage.Durability;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.RecordCodec;
import io.geodatastore.storage.StoreConfig;
import io.geodatastore.storage.WriteResult;
import io.geodatastore.storage.rocksdb.RocksStore;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Merkle-tree anti-entropy between two real nodes' cluster runtimes in one process (each a RocksDB
 * store, membership, replication, anti-entropy and the gRPC transport on loopback), measured on
 * {@code N} keys (1,000,000; 100,000 with {@code --quick}):
 *
 * <ol>
 *   <li><b>repair</b>: a replica restored from the other's checkpoint (the same records and tree),
 *       then 0.5% of the keys written on each side (1% differ); a full-sync job on one side, timed
 *       from its start until every difference is merged on both sides;
 *   <li><b>full sync</b>: an empty replica's full-sync job with the loaded one;
 *   <li><b>bytes</b>: what each job sent and received, against the full state (every record's
 *       encoding and key name).
 * </ol>
 *
 * Both logs are trimmed before the nodes start, as in a cluster whose replicas had acknowledged
 * everything: nothing reaches the other side but by anti-entropy. Jobs run at the default job rate
 * (64 MiB/s; {@code -Dae.jobRateMiB=16} for the continuous rate a starting node's sync uses).
 * Without {@code --quick}, the same runs on 100,000 keys go first, unmeasured, so that the measured
 * ones run compiled code.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.geodatastore.bench.AntiEntropyBench OUT_DIR
 * [--quick]}.
 */
public final class AntiEntropyBench {

  /** The job rate: the node's default, or {@code -Dae.jobRateMiB=N}. */
  static final long JOB_RATE_MIB = Long.getLong("ae.jobRateMiB", 64);

  private AntiEntropyBench() {}

  record Result(
      String what,
      long keys,
      long differing,
      double seconds,
      long bytes,
      long wireBytes,
      long ranges,
      String detail) {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "build/bench");
    boolean quick = List.of(args).contains("--quick");
    int n = quick ? 100_000 : 1_000_000;
    Path tmp = Files.createDirectories(out.resolve("tmp")).resolve("ae-" + System.nanoTime());
    List<Result> results = new ArrayList<>();
    long fullStateBytes;
    try {
      if (!quick) {
        // The same runs on a tenth of the keys first, discarded: the measured ones then run
        // compiled code, as a node that has been up for a while does.
        System.out.println("warm-up on 100,000 keys:");
        scenario(tmp.resolve("warm-up"), 100_000, new ArrayList<>());
      }
      fullStateBytes = scenario(tmp.resolve("measured"), n, results);
    } finally {
      deleteRecursively(tmp);
    }
    String md = report(results, fullStateBytes, quick);
    Files.createDirectories(out);
    Files.writeString(out.resolve("anti-entropy.md"), md, StandardCharsets.UTF_8);
    System.out.println(md);
  }

  /** Both runs on {@code n} keys under {@code tmp}; returns the full state's bytes. */
  static long scenario(Path tmp, int n, List<Result> results) throws Exception {
    RocksStore a = RocksStore.open(config(tmp.resolve("a"), "bench-a"));
    long t0 = System.nanoTime();
    load(a, 0, n, 0);
    System.out.printf("loaded %,d keys in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
    long fullStateBytes = fullState(a, n);
    System.out.printf("full state: %,d bytes%n", fullStateBytes);
    a.checkpoint(tmp.resolve("cp"));
    trim(a);
    // The full sync first: then the loaded replica's records reflect only its own origin (after the
    // repair they would also reflect b's, which the empty replica would wait for at the causal gate
    // for its whole bound: an origin it never hears from, as if b were gone for good).
    RocksStore c = RocksStore.open(config(tmp.resolve("c"), "bench-c"));
    try (Pair p = Pair.start(c, a)) {
      results.add(p.sync("full sync of an empty replica", n, n));
      check(a, c);
    }
    RocksStore b =
        RocksStore.openFromCheckpoint(tmp.resolve("cp"), config(tmp.resolve("b"), "bench-b"));
    int differing = n / 100;
    load(a, 0, differing / 2, 1); // the first half differ by a write on a
    load(b, differing / 2, differing, 1); // the second by one on b
    trim(a);
    trim(b);
    if (Arrays.equals(a.merkleBranches(), b.merkleBranches())) {
      throw new IllegalStateException("the replicas do not differ");
    }
    try (Pair p = Pair.start(a, b)) {
      results.add(p.sync("repair: 1% of keys differ", n, differing));
      check(a, b);
    }
    a.close();
    b.close();
    c.close();
    return fullStateBytes;
  }

  static StoreConfig config(Path dir, String node) {
    return StoreConfig.defaults(dir, node).withDurability(Durability.OS);
  }

  static KeyRef key(int i) {
    return KeyRef.of(Family.COUNTERS, String.format(Locale.ROOT, "user:%08d", i));
  }

  /** Increments keys {@code from} to {@code to}, in windows of outstanding writes. */
  static void load(RocksStore s, int from, int to, int round) {
    int window = 20_000;
    List<CompletableFuture<WriteResult>> pending = new ArrayList<>(window);
    for (int i = from; i < to; i++) {
      pending.add(s.write(key(i), new Operation.Increment(1 + (i + round) % 5)));
      if (pending.size() == window || i == to - 1) {
        for (CompletableFuture<WriteResult> f : pending) {
          if (!(f.join() instanceof WriteResult.Written)) {
            throw new IllegalStateException("a load write failed");
          }
        }
        pending.clear();
      }
    }
  }

  /** What shipping every record would cost: each record's encoding and its key's name. */
  static long fullState(RocksStore s, int n) throws CorruptRecordException {
    long bytes = 0;
    for (int i = 0; i < n; i++) {
      KeyRef k = key(i);
      KeyRecord r = s.readRecord(k);
      bytes += RecordCodec.encode(r).length + k.nameBytes().length;
    }
    return bytes;
  }

  static void trim(RocksStore s) {
    s.trimLog(s.replicaId(), s.lastSequence());
  }

  static void check(RocksStore x, RocksStore y) {
    if (!Arrays.equals(x.merkleBranches(), y.merkleBranches())) {
      throw new IllegalStateException("the trees still differ after the job");
    }
    long kx = x.stats().types().values().stream().mapToLong(t -> t.liveKeys()).sum();
    long ky = y.stats().types().values().stream().mapToLong(t -> t.liveKeys()).sum();
    if (kx != ky) {
      throw new IllegalStateException("live keys differ after the job: " + kx + " and " + ky);
    }
  }

  /** Two cluster runtimes that know each other, anti-entropy on demand only. */
  static final class Pair implements AutoCloseable {
    final ClusterNode syncing;
    final ClusterNode other;

    private Pair(ClusterNode syncing, ClusterNode other) {
      this.syncing = syncing;
      this.other = other;
    }

    /** Starts {@code syncing} and {@code other} (same region), and waits until each is alive. */
    static Pair start(RocksStore syncing, RocksStore other) throws Exception {
      int p1 = freePort();
      int p2 = freePort();
      List<NodeAddress> seeds =
          List.of(new NodeAddress("127.0.0.1", p1), new NodeAddress("127.0.0.1", p2));
      ClusterNode x = node(syncing, "bench-x", p1, seeds);
      ClusterNode y = node(other, "bench-y", p2, seeds);
      Pair p = new Pair(x, y);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!(knows(x) && knows(y))) {
        if (System.nanoTime() > deadline) {
          String why = x.lag().get(5, TimeUnit.SECONDS) + " / " + y.lag().get(5, TimeUnit.SECONDS);
          p.close();
          throw new IllegalStateException("the two nodes did not see each other in 30 s: " + why);
        }
        Thread.sleep(20); // polling an observable condition, bounded by the deadline above
      }
      return p;
    }

    /** Its peer is alive and its stream of the peer's origin is known (probed and acknowledged). */
    private static boolean knows(ClusterNode c) throws Exception {
      List<ClusterNode.PeerLag> lag = c.lag().get(5, TimeUnit.SECONDS);
      return lag.size() == 1 && lag.getFirst().up() && lag.getFirst().unacknowledged() == 0;
    }

    private static ClusterNode node(RocksStore s, String id, int port, List<NodeAddress> seeds) {
      AntiEntropyOptions ae =
          AntiEntropyOptions.defaults()
              .withIntervals(0, 0)
              .withSyncOnStart(false)
              .withRates(AntiEntropyOptions.BYTES_PER_SEC_DEFAULT, JOB_RATE_MIB << 20);
      ClusterNode.Settings settings =
          new ClusterNode.Settings(
              NodeId.of(id),
              "bench",
              "127.0.0.1",
              port,
              "127.0.0.1",
              port,
              seeds,
              MembershipOptions.defaults(),
              ReplicationOptions.defaults(),
              ae,
              GrpcTransport.Options.defaults());
      return ClusterNode.start(
          settings,
          s,
          System::currentTimeMillis,
          new Faults(),
          (key, type, merged) -> {},
          req -> CompletableFuture.failedFuture(new IllegalStateException("no forwarding")));
    }

    Result sync(String what, long keys, long differing) throws Exception {
      List<ExchangeReport> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
      syncing
          .env()
          .call(
              () -> {
                syncing.antiEntropy().onExchangeFinished(reports::add);
                return null;
              })
          .get(5, TimeUnit.SECONDS);
      GrpcTransport.Traffic traffic = syncing.transport().traffic("bench-y");
      long wire0 = traffic.bytesSent() + traffic.bytesReceived();
      AntiEntropy.JobStart started = syncing.startSync(null).get(5, TimeUnit.SECONDS);
      String id = ((AntiEntropy.JobStart.Started) started).status().id();
      long t0 = System.nanoTime();
      JobStatus s;
      long deadline = t0 + TimeUnit.MINUTES.toNanos(10);
      do {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(what + ": the job did not end in 10 minutes");
        }
        Thread.sleep(5); // polling the job's state, bounded by the deadline above
        s = syncing.syncJob(id).get(5, TimeUnit.SECONDS).orElseThrow();
      } while (s.state().equals("running"));
      double seconds = (System.nanoTime() - t0) / 1e9;
      long wire = traffic.bytesSent() + traffic.bytesReceived() - wire0;
      if (!s.state().equals("done")) {
        throw new IllegalStateException(what + ": the job ended " + s);
      }
      ExchangeReport x = reports.getFirst();
      AntiEntropy.Totals totals = syncing.refreshAntiEntropyTotals().get(5, TimeUnit.SECONDS);
      String detail =
          String.format(
              Locale.ROOT,
              "%,d keys compared, %,d records fetched and %,d pushed, %,d changed here and %,d"
                  + " there; record sets merged at once %d, after waiting for their causal past"
                  + " %d, forced %d",
              x.keysCompared(),
              x.keysFetched(),
              x.keysPushed(),
              x.repairedHere(),
              x.repairedThere(),
              totals.immediateMerges(),
              totals.delayedMerges(),
              totals.forcedMerges());
      Result r =
          new Result(what, keys, differing, seconds, s.bytes(), wire, s.rangesCompared(), detail);
      System.out.printf(
          "%s: %.2f s, %,d bytes counted, %,d bytes on the wire, %,d ranges compared; %s%n",
          what, seconds, s.bytes(), wire, s.rangesCompared(), detail);
      return r;
    }

    @Override
    public void close() {
      syncing.close();
      other.close();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static String report(List<Result> results, long fullStateBytes, boolean quick) {
    StringBuilder sb =
        new StringBuilder("# Anti-entropy (Merkle-tree repair between two nodes)\n\n");
    sb.append("- when: ").append(OffsetDateTime.now()).append('\n');
    sb.append("- machine: ").append(BenchReport.machine()).append('\n');
    sb.append(
        String.format(
            Locale.ROOT,
            "- two nodes' cluster runtimes in one process (RocksDB stores, durability os, gRPC on"
                + " loopback), one full-sync job timed from its start to its end (every difference"
                + " merged and durable on both sides), after a warm-up on 100,000 keys; job rate"
                + " %d MiB/s%s%n",
            JOB_RATE_MIB,
            quick ? "; quick: 100,000 keys (indicative only)" : ""));
    sb.append(
        String.format(
            Locale.ROOT,
            "- full state: %,d bytes (every record's encoding and key name)%n%n",
            fullStateBytes));
    sb.append(
        "| run | keys | differing | time s | bytes (anti-entropy's count) | of full state | bytes"
            + " on the wire (transport) | of full state | ranges compared |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Result r : results) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %,d | %,d | %.2f | %,d | %.1f%% | %,d | %.1f%% | %,d |%n",
              r.what(),
              r.keys(),
              r.differing(),
              r.seconds(),
              r.bytes(),
              100.0 * r.bytes() / fullStateBytes,
              r.wireBytes(),
              100.0 * r.wireBytes() / fullStateBytes,
              r.ranges()));
    }
    sb.append('\n');
    for (Result r : results) {
      sb.append("- ").append(r.what()).append(": ").append(r.detail()).append('\n');
    }
    sb.append(
        "\nThe transport's figure is every byte of the serialized messages between the two nodes"
            + " during the job (membership pings included, no compression within a region).\n");
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
