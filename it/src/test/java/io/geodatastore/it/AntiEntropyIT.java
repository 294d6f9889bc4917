package io.geodatastore.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.client.GeoClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.UInt64AddOperator;

/**
 * Anti-entropy brings back, without an operator, what the delta streams cannot: a node started on
 * an empty data directory beside a loaded cluster whose logs are already trimmed, and a value
 * corrupted on disk.
 */
class AntiEntropyIT {

  private static final String[] REGIONS = {"us-east", "eu-west", "ap-southeast"};

  private final List<NodeProcess> nodes = new ArrayList<>();
  private int[] http;
  private int[] peer;
  private String seeds;
  private Path dir;

  @AfterEach
  void tearDown() throws Exception {
    for (NodeProcess n : nodes) {
      n.close();
    }
  }

  private void startCluster(String name) throws Exception {
    http = new int[4];
    peer = new int[4];
    for (int i = 0; i < 4; i++) {
      http[i] = NodeProcess.freePort();
      peer[i] = NodeProcess.freePort();
    }
    seeds = "127.0.0.1:" + peer[0] + ",127.0.0.1:" + peer[1] + ",127.0.0.1:" + peer[2];
    dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), name + "-");
    for (int i = 0; i < 3; i++) {
      nodes.add(node(REGIONS[i] + "-1", REGIONS[i], i).start());
    }
    for (NodeProcess n : nodes) {
      n.awaitReady(Duration.ofSeconds(90));
    }
  }

  private NodeProcess node(String id, String region, int i) {
    return new NodeProcess(
            id, region, "127.0.0.1", http[i], "127.0.0.1:" + peer[i], seeds, dir.resolve(id), null)
        .withArgs("--durability", "os");
  }

  /** A metric's value (the first sample whose line starts with {@code prefix}), or -1. */
  private static double metric(GeoClient c, String prefix) {
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(prefix) + "(?:\\{[^}]*\\})? ([0-9.eE+-]+)$")
            .matcher(c.admin().metrics());
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }

  private static long keys(GeoClient c) {
    return c.admin().status().get("node").get("keys").get("total").asLong();
  }

  @Test
  void aNodeStartedOnAnEmptyDataDirectoryBesideALoadedClusterCatchesUp() throws Exception {
    startCluster("empty");
    int keys = 1_000;
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<?>> writes = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        int first = t;
        writes.add(
            pool.submit(
                () -> {
                  try (GeoClient c = nodes.get(first % 3).client()) {
                    for (int i = first; i < keys; i += 6) {
                      c.counters().increment("k" + i, 1 + i % 7);
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : writes) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    for (NodeProcess n : nodes) {
      try (GeoClient c = n.client()) {
        Await.until(
            n.nodeId + " holds every key", Duration.ofSeconds(30), () -> keys(c), k -> k == keys);
        // Every entry acknowledged and trimmed: a newcomer cannot get these keys from a stream.
        Await.until(
            n.nodeId + " trimmed its log",
            Duration.ofSeconds(30),
            () -> metric(c, "geodatastore_replication_log_entries"),
            v -> v == 0);
      }
    }

    NodeProcess fresh = node("us-east-2", "us-east", 3).start();
    nodes.add(fresh);
    long t0 = System.nanoTime();
    fresh.awaitReady(Duration.ofSeconds(90));
    try (GeoClient c = fresh.client();
        GeoClient reference = nodes.get(0).client()) {
      Await.until(
          "the empty node holds every key", Duration.ofSeconds(60), () -> keys(c), k -> k == keys);
      System.out.printf(
          "an empty node held all %d keys %d ms after its process started%n",
          keys, (System.nanoTime() - t0) / 1_000_000);
      for (int i = 0; i < keys; i++) {
        long expected = reference.counters().get("k" + i).orElseThrow().value();
        assertThat(c.counters().get("k" + i).orElseThrow().value())
            .as("k%d", i)
            .isEqualTo(expected)
            .isEqualTo(1 + i % 7);
      }
      assertThat(metric(c, "geodatastore_anti_entropy_keys_repaired_total"))
          .isGreaterThanOrEqualTo(keys);
    }
  }

  @Test
  void aValueCorruptedOnDiskIsRepairedFromPeers() throws Exception {
    startCluster("corrupt");
    try (GeoClient c = nodes.get(0).client()) {
      c.counters().increment("victim", 42);
      c.counters().increment("bystander", 7);
    }
    NodeProcess victim = nodes.get(1);
    try (GeoClient c = victim.client()) {
      Await.until(
          "the victim node has the value",
          Duration.ofSeconds(30),
          () -> c.counters().get("victim").map(v -> v.value()).orElse(-1L),
          v -> v == 42);
    }
    victim.stop();
    corrupt(victim.dataDir, "pn_counter", "victim");

    NodeProcess restarted = node(victim.nodeId, victim.region, 1).start();
    nodes.set(1, restarted);
    restarted.awaitReady(Duration.ofSeconds(90));
    try (GeoClient c = restarted.client()) {
      // Quarantined at open (the corrupt value fails its checksum), then repaired from a peer.
      Await.until(
          "the corrupt value is repaired",
          Duration.ofSeconds(60),
          () -> c.counters().get("victim").map(v -> v.value()).orElse(-1L),
          v -> v == 42);
      assertThat(metric(c, "geodatastore_quarantines_total")).isEqualTo(1);
      assertThat(metric(c, "geodatastore_quarantined_keys")).isZero();
      assertThat(c.counters().get("bystander").orElseThrow().value()).isEqualTo(7);
      assertThat(c.counters().increment("victim", 1).value()).isEqualTo(43);
    }
  }

  /**
   * Overwrites one stored value with bytes that fail their checksum, through the raw RocksDB API,
   * as a disk fault would. The tree's leaves get their add operator (without it RocksDB's recovery
   * would drop writes after the first merge operand).
   */
  private static void corrupt(Path db, String columnFamily, String key) throws Exception {
    RocksDB.loadLibrary();
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    List<AutoCloseable> closeLater = new ArrayList<>();
    try (Options o = new Options()) {
      for (byte[] name : RocksDB.listColumnFamilies(o, db.toString())) {
        ColumnFamilyOptions cfo = new ColumnFamilyOptions();
        closeLater.add(cfo);
        if (new String(name, StandardCharsets.UTF_8).equals("merkle")) {
          UInt64AddOperator add = new UInt64AddOperator();
          closeLater.add(add);
          cfo.setMergeOperator(add);
        }
        descriptors.add(new ColumnFamilyDescriptor(name, cfo));
      }
    }
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (DBOptions o = new DBOptions();
        RocksDB raw = RocksDB.open(o, db.toString(), descriptors, handles)) {
      try {
        boolean found = false;
        for (int i = 0; i < descriptors.size(); i++) {
          if (new String(descriptors.get(i).getName(), StandardCharsets.UTF_8)
              .equals(columnFamily)) {
            byte[] k = key.getBytes(StandardCharsets.UTF_8);
            assertThat(raw.get(handles.get(i), k)).as("the stored value of " + key).isNotNull();
            raw.put(handles.get(i), k, new byte[] {1, 1, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9});
            found = true;
          }
        }
        assertThat(found).as("column family " + columnFamily).isTrue();
      } finally {
        handles.forEach(ColumnFamilyHandle::close);
      }
    } finally {
      for (AutoCloseable c : closeLater) {
        c.close();
      }
    }
  }
}
