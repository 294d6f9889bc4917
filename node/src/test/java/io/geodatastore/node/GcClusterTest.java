package io.geodatastore.node;

import static io.geodatastore.node.TestCluster.await;
import static io.geodatastore.node.TestCluster.counter;
import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.GcResult;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.StorageStats;
import io.geodatastore.storage.rocksdb.RocksStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Causal stability and garbage collection in three real nodes (two in us-east, one in eu-west) over
 * the real transport: the horizon waits for a partitioned node, and once everyone has the deletes,
 * collection reclaims their tombstones on every node.
 *
 * <p>The reclaim figure is printed ({@code -Dgc.keys=N} sets how many keys: 20,000 by default,
 * 100,000 for the figure in docs/architecture.md).
 */
class GcClusterTest {

  private static final String[][] SHAPE = {
    {"us-east-1", "us-east"}, {"us-east-2", "us-east"}, {"eu-west-1", "eu-west"}
  };

  private TestCluster cluster;
  private List<GeodsNode> nodes = List.of();
  private List<TestHttp> http = List.of();

  private void startCluster() throws IOException {
    // Collected by hand here.
    cluster =
        TestCluster.start("gc-cluster-test", SHAPE, Map.of("gc-interval-ms", "86400000"), 30_000);
    nodes = cluster.nodes();
    http = cluster.http();
  }

  @AfterEach
  void stopCluster() throws IOException {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void theHorizonWaitsForAPartitionedNodeAndDeletedKeysNeverComeBack() throws IOException {
    startCluster();
    TestHttp a = http.get(0);
    TestHttp c = http.get(2);
    incrementCounters(a, 20, 2, c);
    // c cut off from both others: it keeps the keys live while they are deleted at a.
    assertThat(
            c.post("/admin/faults/partition", "{\"nodes\":[\"us-east-1\",\"us-east-2\"]}").status())
        .isEqualTo(200);
    for (int i = 0; i < 20; i++) {
      assertThat(a.delete("/crdt/counters/k" + i).status()).isEqualTo(200);
    }
    ReplicaId aReplica = nodes.get(0).store().replicaId();
    long aLast = nodes.get(0).store().lastSequence();
    await("b has the deletes", 20_000, () -> counter(http.get(1), "k19") == Long.MIN_VALUE);
    // Once b has reported that it merged every delete, only c holds a's horizon back.
    long cComplete = nodes.get(2).store().applied(aReplica);
    await(
        "b reports a's deletes merged",
        20_000,
        () -> {
          for (var m : a.get("/admin/replication/lag").json().get("stability").get("members")) {
            if (m.get("node_id").asText().equals("us-east-2")
                && m.get("complete_through").asLong() >= aLast) {
              return true;
            }
          }
          return false;
        });
    for (GeodsNode n : nodes) {
      assertThat(n.store().horizon().get(aReplica))
          .as("%s's horizon of %s while eu-west-1 is cut off", n.config().nodeId(), aReplica)
          .isLessThanOrEqualTo(cComplete);
      n.collectGarbage();
    }
    assertThat(nodes.get(0).store().stats().types().get(CrdtType.PN_COUNTER).tombstones())
        .as("tombstones stay while a replica lacks their delete")
        .isEqualTo(20);
    assertThat(counter(c, "k3")).isEqualTo(2);
    JsonAssert lag = new JsonAssert(a.get("/admin/replication/lag").json().get("stability"));
    assertThat(lag.longAt("stable_sequence")).isLessThan(aLast);

    assertThat(c.delete("/admin/faults").status()).isEqualTo(200);
    await(
        "every horizon covers a's deletes",
        30_000,
        () -> nodes.stream().allMatch(n -> n.store().horizon().get(aReplica) >= aLast));
    for (GeodsNode n : nodes) {
      GcResult r = n.collectGarbage();
      assertThat(r.tombstonesDropped()).as(n.config().nodeId()).isEqualTo(20);
      assertThat(n.store().stats().types().get(CrdtType.PN_COUNTER).tombstones()).isZero();
    }
    for (TestHttp h : http) {
      for (int i = 0; i < 20; i++) {
        assertThat(h.get("/crdt/counters/k" + i).status())
            .as("k%d stays deleted", i)
            .isEqualTo(404);
      }
    }
    // A key written again after collection starts afresh everywhere.
    assertThat(c.post("/crdt/counters/k0/increment", "{\"value\":5}").status()).isEqualTo(200);
    await("the new k0 reaches a", 20_000, () -> counter(a, "k0") == 5);
    JsonAssert after = new JsonAssert(a.get("/admin/replication/lag").json().get("stability"));
    assertThat(after.longAt("collectable_sequence")).isGreaterThanOrEqualTo(aLast);
    assertThat(a.get("/metrics").text())
        .contains("geodatastore_gc_tombstones_reclaimed_total 20.0")
        .contains("geodatastore_stability_holes 0.0");
  }

  @Test
  void removingANodeThatLeftForGoodLetsTheHorizonAdvanceOnEveryNode() throws IOException {
    startCluster();
    TestHttp a = http.get(0);
    TestHttp b = http.get(1);
    incrementCounters(a, 5, 1, http.get(2));
    nodes.get(2).close(); // it leaves, and never comes back
    for (int i = 0; i < 5; i++) {
      assertThat(a.delete("/crdt/counters/k" + i).status()).isEqualTo(200);
    }
    ReplicaId aReplica = nodes.get(0).store().replicaId();
    long aLast = nodes.get(0).store().lastSequence();
    await("b has the deletes", 20_000, () -> counter(b, "k4") == Long.MIN_VALUE);
    for (int n = 0; n < 2; n++) {
      GeodsNode node = nodes.get(n);
      assertThat(node.collectGarbage().tombstonesDropped())
          .as("%s collects nothing while eu-west-1 may lack the deletes", node.config().nodeId())
          .isZero();
      assertThat(node.store().horizon().get(aReplica)).isLessThan(aLast);
    }

    assertThat(b.delete("/admin/members/nowhere-1").status()).isEqualTo(404);
    TestHttp.Resp alive = b.delete("/admin/members/us-east-1");
    assertThat(alive.status()).isEqualTo(409);
    assertThat(alive.json().get("error").asText()).isEqualTo("member_alive");
    assertThat(b.delete("/admin/members/us-east-2").status()).as("itself").isEqualTo(409);
    TestHttp.Resp removed = b.delete("/admin/members/eu-west-1");
    assertThat(removed.status()).isEqualTo(200);
    assertThat(removed.json().get("node_id").asText()).isEqualTo("eu-west-1");
    assertThat(removed.json().get("state").asText()).isEqualTo("left");
    assertThat(removed.json().get("removed_from").toString())
        .isEqualTo("[\"membership\",\"stability\"]");

    // Removed at b, gossiped to a: both forget it, and the horizon moves past the deletes.
    await(
        "every horizon covers a's deletes",
        30_000,
        () ->
            nodes.subList(0, 2).stream().allMatch(n -> n.store().horizon().get(aReplica) >= aLast));
    for (TestHttp h : List.of(a, b)) {
      assertThat(h.get("/admin/status").json().get("members").toString())
          .doesNotContain("eu-west-1");
    }
    for (int n = 0; n < 2; n++) {
      assertThat(nodes.get(n).collectGarbage().tombstonesDropped())
          .as(nodes.get(n).config().nodeId())
          .isEqualTo(5);
    }
    assertThat(b.delete("/admin/members/eu-west-1").status()).as("once forgotten").isEqualTo(404);
  }

  @Test
  void collectingManyDeletedKeysReclaimsTheirTombstonesOnEveryNode() throws Exception {
    startCluster();
    int keys = Integer.getInteger("gc.keys", 20_000);
    GeodsNode origin = nodes.get(0);
    RocksStore store = origin.store();
    long t0 = System.nanoTime();
    List<KeyRef> written = new ArrayList<>(keys);
    List<CompletableFuture<?>> pending = new ArrayList<>();
    for (int i = 0; i < keys; i++) {
      KeyRef k;
      Operation op;
      switch (i % 3) {
        case 0 -> {
          k = KeyRef.of(Family.COUNTERS, "counter-" + i);
          op = new Operation.Increment(1 + i % 7);
        }
        case 1 -> {
          k = KeyRef.of(Family.SETS, "set-" + i);
          op = new Operation.Add(List.of("\"element-" + i + "\""));
        }
        default -> {
          k = KeyRef.of(Family.REGISTERS, "register-" + i);
          op = new Operation.Write("\"value-" + i + "\"", null);
        }
      }
      written.add(k);
      pending.add(store.write(k, op));
      drain(pending, 4_096);
    }
    drain(pending, 0);
    for (KeyRef k : written) {
      pending.add(store.delete(k));
      drain(pending, 4_096);
    }
    drain(pending, 0);
    origin.cluster().localWritten();
    ReplicaId replica = store.replicaId();
    long last = store.lastSequence();
    await(
        "every node's horizon covers every delete",
        300_000,
        () -> nodes.stream().allMatch(n -> n.store().horizon().get(replica) >= last));
    long replicatedMs = (System.nanoTime() - t0) / 1_000_000;

    StringBuilder report = new StringBuilder();
    report.append(
        String.format(
            "gc reclaim: %,d keys written then deleted on %s, replicated and stable everywhere in"
                + " %,d ms%n",
            keys, origin.config().nodeId(), replicatedMs));
    for (GeodsNode n : nodes) {
      RocksStore s = n.store();
      s.compactRecords();
      long tombstones = tombstones(s.stats());
      long logicalBefore = storedBytes(s.stats());
      long diskBefore = s.recordBytesOnDisk();
      long g0 = System.nanoTime();
      GcResult r = n.collectGarbage();
      long gcMs = (System.nanoTime() - g0) / 1_000_000;
      s.compactRecords();
      long logicalAfter = storedBytes(s.stats());
      long diskAfter = s.recordBytesOnDisk();
      report.append(
          String.format(
              "  %s: %,d tombstones, %,d stored bytes (%,d on disk) before; gc %,d ms dropped %,d"
                  + " tombstones, %,d bytes; after: %,d stored bytes (%,d on disk): %.1f%%"
                  + " reclaimed (%.1f%% on disk)%n",
              n.config().nodeId(),
              tombstones,
              logicalBefore,
              diskBefore,
              gcMs,
              r.tombstonesDropped(),
              r.bytesReclaimed(),
              logicalAfter,
              diskAfter,
              100.0 * (logicalBefore - logicalAfter) / logicalBefore,
              100.0 * (diskBefore - diskAfter) / diskBefore));
      assertThat(tombstones).isEqualTo(keys);
      assertThat(r.tombstonesDropped()).isEqualTo(keys);
      assertThat(r.bytesReclaimed()).isEqualTo(logicalBefore);
      assertThat(logicalAfter).isZero();
      assertThat(diskAfter).as("on disk after compaction").isLessThan(diskBefore / 10);
    }
    System.out.print(report);
    for (int i = 0; i < 30; i++) {
      KeyRef k = written.get(i * (keys / 30));
      for (TestHttp h : http) {
        assertThat(h.get("/crdt/" + k.family().apiName() + "/" + k.name()).status()).isEqualTo(404);
      }
    }
  }

  private static long tombstones(StorageStats s) {
    return s.types().values().stream().mapToLong(StorageStats.TypeStats::tombstones).sum();
  }

  private static long storedBytes(StorageStats s) {
    return s.types().values().stream().mapToLong(t -> t.payloadBytes() + t.metadataBytes()).sum();
  }

  private static void drain(List<CompletableFuture<?>> pending, int keep) {
    if (pending.size() > keep) {
      CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
      pending.clear();
    }
  }

  /** Reads a few fields of a JSON object. */
  private record JsonAssert(com.fasterxml.jackson.databind.JsonNode node) {
    long longAt(String field) {
      assertThat(node.has(field)).as("field %s in %s", field, node).isTrue();
      return node.get(field).asLong();
    }
  }

  /**
   * Increments counters k0 to k{n-1} by {@code by} at {@code at}; waits until {@code seer} has
   * them.
   */
  private static void incrementCounters(TestHttp at, int n, int by, TestHttp seer) {
    for (int i = 0; i < n; i++) {
      assertThat(at.post("/crdt/counters/k" + i + "/increment", "{\"value\":" + by + "}").status())
          .isEqualTo(200);
    }
    await("every key is replicated", 20_000, () -> counter(seer, "k" + (n - 1)) == by);
  }
}
