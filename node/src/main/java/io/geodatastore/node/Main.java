package io.geodatastore.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The {@code geods} command line. */
@Command(
    name = "geods",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "geodatastore: a geo-replicated CRDT datastore.",
    subcommands = {Main.NodeCommand.class, Main.RestoreCommand.class})
public final class Main implements Runnable {

  @Spec CommandSpec spec;

  public static void main(String[] args) {
    processDefaults();
    System.exit(new CommandLine(new Main()).execute(args));
  }

  /** Netty's leak-detection level, by its own and by gRPC's shaded copy's property names. */
  static final List<String> LEAK_DETECTION =
      List.of("io.netty.leakDetection.level", "io.grpc.netty.shaded.io.netty.leakDetection.level");

  /**
   * Settings for a node process, applied before any Netty class loads, each unless a {@code -D}
   * already set it.
   *
   * <p>Netty's leak detector, on by default, records a stack trace for one buffer in 128 at its
   * allocation and at every release: {@code perf} showed {@code Throwable.fillInStackTrace} under
   * {@code ResourceLeakDetector$TraceRecord} in 1.6% of the HTTP node's CPU at 10,000 writes/s. A
   * node turns it off (both Netty copies: Armeria's and gRPC's shaded one); tests, which start
   * nodes inside their own JVM, keep it and so still find leaks.
   */
  static void processDefaults() {
    for (String property : LEAK_DETECTION) {
      if (System.getProperty(property) == null) {
        System.setProperty(property, "disabled");
      }
    }
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "give a subcommand, e.g. geods node --help");
  }

  /** Reports the build's version. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"geods " + GeodsNode.version()};
    }
  }

  /**
   * {@code geods node}: runs one node until SIGTERM. Every flag has a config-file key, its long
   * name without the dashes; flags given on the command line override the file.
   */
  @Command(
      name = "node",
      mixinStandardHelpOptions = true,
      versionProvider = Main.Version.class,
      description = "Runs one node until SIGTERM (or Ctrl-C), then stops cleanly.")
  static final class NodeCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(
        names = "--node-id",
        paramLabel = "ID",
        description = "This node's name, e.g. us-east-1.")
    String nodeId;

    @Option(names = "--region", paramLabel = "R", description = "This node's region, e.g. us-east.")
    String region;

    @Option(names = "--http", paramLabel = "HOST:PORT", description = "HTTP API address.")
    String http;

    @Option(
        names = "--peer",
        paramLabel = "HOST:PORT",
        description = "Node-to-node (gRPC) address.")
    String peer;

    @Option(
        names = "--advertise",
        paramLabel = "HOST:PORT",
        description = "Peer address other nodes should use (default: --peer).")
    String advertise;

    @Option(
        names = "--seeds",
        paramLabel = "HOST:PORT,...",
        description = "Peer addresses of a few other nodes, in any region.")
    String seeds;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where data and identity live.")
    String dataDir;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML file of these settings.")
    Path configFile;

    @Option(
        names = "--enable-fault-injection",
        description = "Serve /admin/faults/* (tests and demonstrations only).")
    Boolean faultInjection;

    @Option(
        names = "--durability",
        paramLabel = "fsync|os",
        description = "Acknowledge writes after fsync (default) or after the OS has them.")
    String durability;

    @Option(names = "--shards", paramLabel = "N", description = "Store shards (default: cores).")
    String shards;

    @Option(
        names = "--max-body-bytes",
        paramLabel = "N",
        description = "Largest request body (default 1048576).")
    String maxBodyBytes;

    @Option(
        names = "--max-key-bytes",
        paramLabel = "N",
        description = "Longest key name in UTF-8 bytes (default and most 512).")
    String maxKeyBytes;

    @Option(
        names = "--max-elements-per-request",
        paramLabel = "N",
        description = "Most set elements in one request (default 10000).")
    String maxElementsPerRequest;

    @Option(
        names = "--max-batch-operations",
        paramLabel = "N",
        description = "Most operations in one POST /crdt/batch (default 1000, at most 100000).")
    String maxBatchOperations;

    @Option(
        names = "--write-timeout-ms",
        paramLabel = "MS",
        description =
            "How long local_quorum, quorum and all writes wait for replicas before 503 (default"
                + " 5000).")
    String writeTimeoutMs;

    @Option(
        names = "--read-timeout-ms",
        paramLabel = "MS",
        description =
            "How long session, causal, local_quorum, quorum and all reads may take before 503"
                + " (default 5000).")
    String readTimeoutMs;

    @Option(
        names = "--session-wait-ms",
        paramLabel = "MS",
        description =
            "How long a session or causal read waits for replication before it fetches the key"
                + " from other replicas (default 200; 0 fetches at once).")
    String sessionWaitMs;

    @Option(
        names = "--conflict-log-max",
        paramLabel = "N",
        description = "Most entries the persistent conflict log keeps (default 100000).")
    String conflictLogMax;

    @Option(
        names = "--conflict-log-max-age-hours",
        paramLabel = "H",
        description = "How long the conflict log keeps an entry (default 168).")
    String conflictLogMaxAgeHours;

    @Option(
        names = "--gc-interval-ms",
        paramLabel = "MS",
        description =
            "How often causally stable tombstones and epochs are collected (default 60000).")
    String gcIntervalMs;

    @Option(
        names = "--anti-entropy-interval-ms",
        paramLabel = "MS",
        description =
            "How often anti-entropy compares trees with a random replica of this region (default"
                + " 30000; 0: never).")
    String antiEntropyIntervalMs;

    @Option(
        names = "--anti-entropy-cross-region-interval-ms",
        paramLabel = "MS",
        description =
            "How often it does so with a replica of another region (default 120000; 0: never).")
    String antiEntropyCrossRegionIntervalMs;

    @Option(
        names = "--anti-entropy-bytes-per-sec",
        paramLabel = "N",
        description =
            "Most bytes per second continuous anti-entropy sends and receives, answers to other"
                + " nodes included (default 16777216).")
    String antiEntropyBytesPerSec;

    @Option(
        names = "--anti-entropy-job-bytes-per-sec",
        paramLabel = "N",
        description = "The same for on-demand sync jobs (default 67108864).")
    String antiEntropyJobBytesPerSec;

    @Option(
        names = "--anti-entropy-causal-wait-ms",
        paramLabel = "MS",
        description =
            "How long records from a peer wait at most for their causal past before they are"
                + " merged anyway (default 5000).")
    String antiEntropyCausalWaitMs;

    @Option(
        names = "--merkle-verify-interval-ms",
        paramLabel = "MS",
        description =
            "How often the anti-entropy tree is checked against the data and its wrong leaves"
                + " fixed, on a low-priority thread (default 21600000, 6 h; 0: never).")
    String merkleVerifyIntervalMs;

    @Override
    public Integer call() throws InterruptedException {
      NodeConfig config;
      try {
        config = NodeConfig.from(settings());
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage(), e);
      }
      GeodsNode node;
      try {
        node = GeodsNode.start(config);
      } catch (RuntimeException e) {
        Throwable c = DataService.unwrap(e);
        spec.commandLine()
            .getErr()
            .println(
                "geods: cannot start node "
                    + config.nodeId()
                    + ": "
                    + (c.getMessage() == null ? c.toString() : c.getMessage()));
        return 1;
      }
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    node.close();
                    stopped.countDown();
                  },
                  "geods-shutdown"));
      stopped.await();
      return 0;
    }

    /** The config file's settings, overridden by the flags given. */
    Map<String, String> settings() {
      Map<String, String> s = new LinkedHashMap<>();
      if (configFile != null) {
        s.putAll(readConfig(configFile));
      }
      for (OptionSpec o : spec.options()) {
        String name = o.longestName();
        if (!name.startsWith("--")) {
          continue;
        }
        String key = name.substring(2);
        if (!NodeConfig.KEYS.contains(key)) {
          continue;
        }
        Object v = o.getValue();
        if (v != null && spec.commandLine().getParseResult().hasMatchedOption(o)) {
          s.put(key, v.toString());
        }
      }
      return s;
    }

    private Map<String, String> readConfig(Path file) {
      ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
      JsonNode root;
      try {
        root = yaml.readTree(file.toFile());
      } catch (IOException e) {
        throw new ParameterException(
            spec.commandLine(), "cannot read the config file " + file + ": " + e.getMessage(), e);
      }
      Map<String, String> s = new LinkedHashMap<>();
      if (root == null || root.isMissingNode()) {
        return s;
      }
      if (!root.isObject()) {
        throw new ParameterException(
            spec.commandLine(), "the config file " + file + " must be a YAML mapping of settings");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = root.properties().iterator();
          it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode v = e.getValue();
        String text;
        if (v.isArray()) {
          StringBuilder b = new StringBuilder();
          for (JsonNode x : v) {
            b.append(b.isEmpty() ? "" : ",").append(x.asText());
          }
          text = b.toString();
        } else if (v.isValueNode()) {
          text = v.asText();
        } else {
          throw new ParameterException(
              spec.commandLine(), "config key '" + e.getKey() + "' must be a value or a list");
        }
        s.put(e.getKey(), text);
      }
      return s;
    }
  }

  /**
   * {@code geods restore}: prepares a data directory from a checkpoint (written by {@code POST
   * /admin/snapshot} on a running node), for {@code geods node --data-dir} to start from. The
   * restored node gets a fresh replica id, so it never reissues what its source already issued.
   */
  @Command(
      name = "restore",
      mixinStandardHelpOptions = true,
      versionProvider = Main.Version.class,
      description = "Prepares --data-dir from a checkpoint; then start it with geods node.")
  static final class RestoreCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--from", required = true, paramLabel = "DIR", description = "The checkpoint.")
    Path from;

    @Option(
        names = "--data-dir",
        required = true,
        paramLabel = "DIR",
        description = "The new data directory (absent or empty).")
    Path dataDir;

    @Option(
        names = "--node-id",
        required = true,
        paramLabel = "ID",
        description = "The node that will run on it.")
    String nodeId;

    @Override
    public Integer call() {
      try (var store =
          io.geodatastore.storage.rocksdb.RocksStore.openFromCheckpoint(
              from, io.geodatastore.storage.StoreConfig.defaults(dataDir, nodeId))) {
        spec.commandLine()
            .getOut()
            .println(
                "restored "
                    + from
                    + " into "
                    + dataDir
                    + " as replica "
                    + store.replicaId()
                    + "; start it with: geods node --node-id "
                    + nodeId
                    + " --data-dir "
                    + dataDir
                    + " ...");
        return 0;
      } catch (RuntimeException e) {
        spec.commandLine().getErr().println("geods: cannot restore: " + e.getMessage());
        return 1;
      }
    }
  }
}
