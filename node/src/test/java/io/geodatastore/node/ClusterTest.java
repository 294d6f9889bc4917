package io.geodatastore.node;

import static io.geodatastore.node.TestCluster.aliveMembers;
import static io.geodatastore.node.TestCluster.await;
import static io.geodatastore.node.TestCluster.counter;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.geodatastore.client.GeoClient;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.crdt.GCounter;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three real nodes in one JVM (two in us-east, one in eu-west) on ephemeral HTTP ports and free
 * peer ports, joined through seeds: membership, replication, write levels, region forwarding and
 * fault injection over the real gRPC transport.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTest {

  private static final String[][] SHAPE = {
    {"us-east-1", "us-east"}, {"us-east-2", "us-east"}, {"eu-west-1", "eu-west"}
  };

  private TestCluster cluster;
  private List<GeodsNode> nodes;
  private List<TestHttp> http;

  @BeforeAll
  void startCluster() throws IOException {
    cluster =
        TestCluster.start(
            "cluster-test",
            SHAPE,
            Map.of("write-timeout-ms", "1500", "read-timeout-ms", "1500"),
            20_000);
    nodes = cluster.nodes();
    http = cluster.http();
  }

  @AfterAll
  void stopCluster() throws IOException {
    cluster.close();
  }

  @Test
  @Order(1)
  void statusShowsEveryMemberWithRegionAddressStateIncarnationAndContact() {
    JsonNode members = http.get(0).get("/admin/status").json().get("members");
    assertThat(members).hasSize(3);
    for (JsonNode m : members) {
      assertThat(m.get("state").asText()).isEqualTo("alive");
      assertThat(m.get("address").asText()).startsWith("127.0.0.1:");
      assertThat(m.get("incarnation").asLong()).isPositive();
      assertThat(m.has("last_contact_seconds_ago")).isTrue();
    }
    assertThat(members.findValuesAsText("region")).contains("us-east", "eu-west");
  }

  @Test
  @Order(2)
  void aWriteOnOneNodeIsReadOnEveryOther() {
    assertThat(http.get(0).post("/crdt/counters/spread", "{\"type\":\"pn_counter\"}").status())
        .isEqualTo(201);
    assertThat(http.get(1).post("/crdt/counters/spread/increment", "{\"value\":5}").status())
        .isEqualTo(200);
    assertThat(http.get(2).post("/crdt/counters/spread/increment", "{\"value\":3}").status())
        .isEqualTo(200);
    await(
        "every node reads 8", 10_000, () -> http.stream().allMatch(h -> counter(h, "spread") == 8));
    JsonNode lag = http.get(0).get("/admin/replication/lag").json();
    assertThat(lag.get("peers")).hasSize(2);
    assertThat(lag.get("regions").findValuesAsText("region")).contains("us-east", "eu-west");
    assertThat(lag.get("peers").get(0).get("bytes_sent").asLong()).isPositive();
    String metrics = http.get(0).get("/metrics").text();
    assertThat(metrics).contains("geodatastore_replication_lag_seconds{peer=\"eu-west-1\"");
    assertThat(metrics).contains("geodatastore_vector_clock_size");
    assertThat(metrics).contains("geodatastore_replication_deps_waits_total");
    assertThat(metrics).contains("geodatastore_cluster_members{state=\"alive\"} 3.0");
    // It merged the increments of the two others: their propagation is measured.
    assertThat(metrics)
        .containsPattern("geodatastore_replication_propagation_seconds_count(\\{[^}]*\\})? [2-9]");
  }

  @Test
  @Order(4)
  void writeLevelsWaitForReplicasAndAllAnswers503WhenOneIsPartitioned() {
    for (String level : new String[] {"local_quorum", "quorum", "all"}) {
      TestHttp.Resp r =
          http.get(0).post("/crdt/counters/levels/increment?consistency=" + level, "{}");
      assertThat(r.status()).as(level + ": " + r.text()).isEqualTo(200);
    }
    // us-east-1 drops all traffic with eu-west-1: "all" cannot be met, "local_quorum" still can.
    assertThat(http.get(0).post("/admin/faults/partition", "{\"nodes\":[\"eu-west-1\"]}").status())
        .isEqualTo(200);
    try {
      TestHttp.Resp all =
          http.get(0).post("/crdt/counters/levels/increment", "{\"consistency\":\"all\"}");
      assertThat(all.status()).as(all.text()).isEqualTo(503);
      assertThat(all.json().get("error").asText()).isEqualTo("consistency_unavailable");
      assertThat(all.json().get("message").asText()).contains("reached 2 of 3");
      assertThat(counter(http.get(0), "levels")).isEqualTo(4); // the write stays applied
      TestHttp.Resp local =
          http.get(0).post("/crdt/counters/levels/increment?consistency=local_quorum", "{}");
      assertThat(local.status()).as(local.text()).isEqualTo(200);
    } finally {
      assertThat(http.get(0).delete("/admin/faults").status()).isEqualTo(200);
    }
    await(
        "an all write succeeds again after healing",
        15_000,
        () ->
            http.get(0).post("/crdt/counters/levels/increment?consistency=all", "{}").status()
                == 200);
    await(
        "eu-west-1 has every increment",
        5_000,
        () -> counter(http.get(2), "levels") == counter(http.get(0), "levels"));
  }

  @Test
  @Order(4)
  void aBatchWaitsForItsWriteLevelAndAnswers503WithItsResultsWhenOneReplicaIsCutOff() {
    String ops =
        "{\"operations\":[{\"family\":\"counters\",\"key\":\"batched\",\"op\":\"increment\","
            + "\"value\":2},{\"family\":\"sets\",\"key\":\"batched\",\"op\":\"add\","
            + "\"element\":\"x\"}]}";
    TestHttp.Resp all = http.get(0).post("/crdt/batch?consistency=all", ops);
    assertThat(all.status()).as(all.text()).isEqualTo(200);
    // "all" was met: every replica holds both writes already.
    for (TestHttp h : http) {
      assertThat(counter(h, "batched")).isEqualTo(2);
      assertThat(h.get("/crdt/sets/batched").json().get("size").asInt()).isEqualTo(1);
    }
    assertThat(http.get(0).post("/admin/faults/partition", "{\"nodes\":[\"eu-west-1\"]}").status())
        .isEqualTo(200);
    try {
      TestHttp.Resp cut = http.get(0).post("/crdt/batch?consistency=all", ops);
      assertThat(cut.status()).as(cut.text()).isEqualTo(503);
      assertThat(cut.json().get("error").asText()).isEqualTo("consistency_unavailable");
      assertThat(cut.json().get("message").asText()).contains("reached 2 of 3");
      assertThat(cut.json().get("results").get(0).get("value").asLong()).isEqualTo(4);
      assertThat(cut.json().get("failed").asInt()).isZero();
      assertThat(counter(http.get(0), "batched")).isEqualTo(4); // applied all the same
      TestHttp.Resp local = http.get(0).post("/crdt/batch?consistency=local_quorum", ops);
      assertThat(local.status()).as(local.text()).isEqualTo(200);
    } finally {
      assertThat(http.get(0).delete("/admin/faults").status()).isEqualTo(200);
    }
    await(
        "eu-west-1 gets the batches written while it was cut off",
        15_000,
        () -> counter(http.get(2), "batched") == 6);
  }

  @Test
  @Order(3)
  void aRegisterWriteNamingAnotherRegionIsForwardedThere() {
    TestHttp.Resp r =
        http.get(0).post("/crdt/registers/fwd", "{\"value\":\"hello\",\"region\":\"eu-west\"}");
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    assertThat(r.header("x-geo-served-by")).isEqualTo("eu-west-1");
    assertThat(r.json().get("writer").asText()).isEqualTo(nodes.get(2).store().replicaId().value());
    // Applied in eu-west first: readable there at once.
    assertThat(http.get(2).get("/crdt/registers/fwd").json().get("value").asText())
        .isEqualTo("hello");
    TestHttp.Resp unknown =
        http.get(0).post("/crdt/registers/fwd", "{\"value\":1,\"region\":\"mars\"}");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.json().get("error").asText()).isEqualTo("unknown_region");
    assertThat(http.get(0).post("/admin/sync/regions/mars", "").status()).isEqualTo(404);
    assertThat(http.get(0).post("/admin/sync/regions/eu-west", "").status()).isEqualTo(202);
  }

  @Test
  @Order(11)
  void aFullSyncJobBringsARecordOnlyOneNodeHasAndReportsItsProgress() {
    // A full record merged into one store only: no log entry, so no stream will ever carry it.
    KeyRef key = KeyRef.of(Family.COUNTERS, "ae-only");
    nodes
        .get(0)
        .store()
        .mergeRecord(
            key, KeyRecord.live(GCounter.of(VersionVector.of(new ReplicaId("ghost.0"), 5))))
        .join();
    // A job runs against the peers alive when it starts: earlier tests cut us-east-1 off, and
    // suspicion of it may outlast their healing by a few probe rounds.
    await(
        "us-east-2 sees every member alive again",
        20_000,
        () -> aliveMembers(http.get(1)) == SHAPE.length);
    TestHttp.Resp started = http.get(1).post("/admin/anti-entropy/full-sync", "");
    assertThat(started.status()).as(started.text()).isEqualTo(202);
    assertThat(started.json().get("peers").toString()).contains("us-east-1", "eu-west-1");
    String id = started.json().get("id").asText();
    await(
        "the job ends",
        20_000,
        () ->
            !http.get(1)
                .get("/admin/anti-entropy/jobs/" + id)
                .json()
                .get("state")
                .asText()
                .equals("running"));
    JsonNode job = http.get(1).get("/admin/anti-entropy/jobs/" + id).json();
    assertThat(job.get("state").asText()).as(job.toString()).isEqualTo("done");
    assertThat(job.get("keys_repaired").asLong()).isGreaterThanOrEqualTo(1);
    assertThat(job.get("ranges_compared").asLong()).isGreaterThan(1);
    assertThat(job.get("bytes").asLong()).isPositive();
    assertThat(counter(http.get(1), "ae-only")).isEqualTo(5);
    assertThat(http.get(1).get("/metrics").text())
        .containsPattern(
            "geodatastore_anti_entropy_syncs_total\\{outcome=\"repaired\",region=\"us-east\",scope=\"job\"\\} [1-9]");
  }

  @Test
  @Order(5)
  void aPartitionedNodesWritesConvergeAfterHealing() {
    TestHttp eu = http.get(2);
    assertThat(eu.post("/admin/faults/partition", "{\"isolate\":[\"us-east\"]}").status())
        .isEqualTo(200);
    try {
      assertThat(eu.post("/crdt/sets/island/add", "{\"element\":\"from-eu\"}").status())
          .isEqualTo(200);
      assertThat(http.get(0).post("/crdt/sets/island/add", "{\"element\":\"from-us\"}").status())
          .isEqualTo(200);
      TestHttp.Resp forwarded =
          http.get(0).post("/crdt/registers/island", "{\"value\":1,\"region\":\"eu-west\"}");
      assertThat(forwarded.status()).as(forwarded.text()).isEqualTo(503);
    } finally {
      assertThat(eu.delete("/admin/faults").status()).isEqualTo(200);
    }
    await(
        "every node holds both elements",
        20_000,
        () ->
            http.stream()
                .allMatch(
                    h -> {
                      TestHttp.Resp r = h.get("/crdt/sets/island");
                      return r.status() == 200 && r.json().get("size").asInt() == 2;
                    }));
  }

  private static TestHttp.Resp getWith(TestHttp h, String path, String token) {
    return h.send(
        "GET", path, null, null, token == null ? Map.of() : Map.of(SessionToken.HEADER, token));
  }

  private static long setSize(TestHttp.Resp r) {
    return r.status() == 200 ? r.json().get("size").asLong() : -1;
  }

  /** The value of one Prometheus sample, 0 when absent. */
  private static double sample(TestHttp h, String nameAndLabels) {
    for (String line : h.get("/metrics").text().split("\n")) {
      if (line.startsWith(nameAndLabels + " ")) {
        return Double.parseDouble(line.substring(nameAndLabels.length() + 1).trim());
      }
    }
    return 0;
  }

  @Test
  @Order(7)
  void allReadsAnswer503WhileAReplicaIsCutOffAndSucceedAfterHealing() {
    assertThat(http.get(0).post("/crdt/counters/reads/increment?consistency=all", "{}").status())
        .isEqualTo(200);
    assertThat(http.get(0).post("/admin/faults/partition", "{\"nodes\":[\"eu-west-1\"]}").status())
        .isEqualTo(200);
    try {
      TestHttp.Resp all = http.get(0).get("/crdt/counters/reads?consistency=all");
      assertThat(all.status()).as(all.text()).isEqualTo(503);
      assertThat(all.json().get("error").asText()).isEqualTo("consistency_unavailable");
      assertThat(all.json().get("message").asText())
          .contains("'all'")
          .contains("reached 2 of 3 needed replicas");
      // A majority of all, and of us-east, is still reachable.
      for (String level : new String[] {"quorum", "local_quorum"}) {
        TestHttp.Resp r = http.get(0).get("/crdt/counters/reads?consistency=" + level);
        assertThat(r.status()).as(level + ": " + r.text()).isEqualTo(200);
        assertThat(r.json().get("value").asLong()).isEqualTo(1);
      }
    } finally {
      assertThat(http.get(0).delete("/admin/faults").status()).isEqualTo(200);
    }
    await(
        "an all read succeeds again after healing",
        15_000,
        () -> http.get(0).get("/crdt/counters/reads?consistency=all").status() == 200);
  }

  @Test
  @Order(8)
  void aQuorumReadRepairsAReplicaThatWasBehind() {
    TestHttp east2 = http.get(1);
    double before = sample(east2, "geodatastore_read_repairs_total{level=\"quorum\"}");
    // us-east-2 hears nothing from us-east-1: its write reaches eu-west-1 only.
    assertThat(east2.post("/admin/faults/partition", "{\"nodes\":[\"us-east-1\"]}").status())
        .isEqualTo(200);
    try {
      assertThat(http.get(0).post("/crdt/sets/repair/add", "{\"element\":\"x\"}").status())
          .isEqualTo(200);
      await(
          "eu-west-1 has the write",
          10_000,
          () -> setSize(http.get(2).get("/crdt/sets/repair")) == 1);
      assertThat(east2.get("/crdt/sets/repair").status()).isEqualTo(404); // behind

      TestHttp.Resp q = east2.get("/crdt/sets/repair?consistency=quorum");
      assertThat(q.status()).as(q.text()).isEqualTo(200);
      assertThat(q.json().get("elements").get(0).asText()).isEqualTo("x");
      assertThat(q.header("x-geo-read-repairs")).isEqualTo("1");
      // Repaired before the answer: its own records now hold the merge.
      assertThat(setSize(east2.get("/crdt/sets/repair"))).isEqualTo(1);
      assertThat(sample(east2, "geodatastore_read_repairs_total{level=\"quorum\"}"))
          .isGreaterThanOrEqualTo(before + 1);
    } finally {
      assertThat(east2.delete("/admin/faults").status()).isEqualTo(200);
    }
  }

  @Test
  @Order(9)
  void aSessionTokenFromOneNodeGetsItsWriteFromAnotherEvenWhenReplicationToItIsCut() {
    TestHttp east1 = http.get(0);
    TestHttp east2 = http.get(1);
    TestHttp eu = http.get(2);
    assertThat(east2.post("/admin/faults/partition", "{\"nodes\":[\"us-east-1\"]}").status())
        .isEqualTo(200);
    try {
      TestHttp.Resp w = east1.post("/crdt/sets/ryw/add", "{\"element\":\"first\"}");
      String token = w.header(SessionToken.HEADER);
      await("eu-west-1 has the write", 10_000, () -> setSize(eu.get("/crdt/sets/ryw")) == 1);
      double fetchedBefore = sample(east2, "geodatastore_session_waits_total{outcome=\"fetched\"}");

      // us-east-2 never gets it by replication; it waits, then fetches it from eu-west-1.
      TestHttp.Resp r = getWith(east2, "/crdt/sets/ryw?consistency=session", token);
      assertThat(r.status()).as(r.text()).isEqualTo(200);
      assertThat(setSize(r)).isEqualTo(1);
      assertThat(sample(east2, "geodatastore_session_waits_total{outcome=\"fetched\"}"))
          .isEqualTo(fetchedBefore + 1);
      TestHttp.Resp causal = getWith(east2, "/crdt/sets/ryw?consistency=causal", token);
      assertThat(setSize(causal)).isEqualTo(1);
      String token2 = r.header(SessionToken.HEADER);

      // A second write no other replica can have: eu-west-1 is cut from us-east-1 too.
      assertThat(eu.post("/admin/faults/partition", "{\"nodes\":[\"us-east-1\"]}").status())
          .isEqualTo(200);
      TestHttp.Resp w2 =
          east1.send(
              "POST",
              "/crdt/sets/ryw/add",
              "{\"element\":\"second\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
              "application/json",
              Map.of(SessionToken.HEADER, token2));
      TestHttp.Resp stale =
          getWith(east2, "/crdt/sets/ryw?consistency=session", w2.header(SessionToken.HEADER));
      assertThat(stale.status()).as(stale.text()).isEqualTo(503);
      assertThat(stale.json().get("error").asText()).isEqualTo("consistency_unavailable");
      assertThat(stale.json().get("message").asText()).contains("'session'");
      // Eventual still answers at once, stale as it is.
      assertThat(setSize(east2.get("/crdt/sets/ryw"))).isEqualTo(1);
    } finally {
      assertThat(east2.delete("/admin/faults").status()).isEqualTo(200);
      assertThat(eu.delete("/admin/faults").status()).isEqualTo(200);
    }
    await(
        "every node holds both elements",
        20_000,
        () -> http.stream().allMatch(h -> setSize(h.get("/crdt/sets/ryw")) == 2));
  }

  @Test
  @Order(10)
  void aClientSessionReadsItsWritesOnEveryNode() {
    try (GeoClient c = GeoClient.connect("http://127.0.0.1:" + nodes.get(0).httpPort())) {
      List<GeoClient> at = new ArrayList<>();
      for (GeodsNode n : nodes) {
        at.add(c.withBaseUrl("http://127.0.0.1:" + n.httpPort()));
      }
      for (int i = 0; i < 30; i++) {
        GeoClient writer = at.get(i % at.size());
        GeoClient reader = at.get((i + 1) % at.size());
        writer.counters().increment("ryw-client", 1);
        long seen =
            reader
                .counters()
                .get("ryw-client", io.geodatastore.client.Consistency.SESSION)
                .orElseThrow()
                .value();
        assertThat(seen).as("read %d", i).isEqualTo(i + 1);
      }
    }
  }

  private static double depsWaits(TestHttp h) {
    for (String line : h.get("/metrics").text().split("\n")) {
      if (line.startsWith("geodatastore_replication_deps_waits_total")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError("no geodatastore_replication_deps_waits_total in /metrics");
  }

  private static boolean setHas(TestHttp h, String key, String element) {
    TestHttp.Resp r = h.get("/crdt/sets/" + key);
    if (r.status() != 200) {
      return false;
    }
    for (JsonNode e : r.json().get("elements")) {
      if (e.asText().equals(element)) {
        return true;
      }
    }
    return false;
  }

  /**
   * us-east-2 writes "effect" after it shows us-east-1's "cause" (another key). eu-west-1 cannot
   * hear us-east-1: it receives us-east-2's entry and holds it (its deps-waits counter moves) until
   * the partition heals and "cause" arrives; it never shows the effect without the cause.
   */
  @Test
  @Order(6)
  void aNodeNeverShowsAWriteBeforeTheWriteOfAnotherNodeItDependsOn() {
    TestHttp us1 = http.get(0);
    TestHttp us2 = http.get(1);
    TestHttp eu = http.get(2);
    assertThat(us1.post("/admin/faults/partition", "{\"nodes\":[\"eu-west-1\"]}").status())
        .isEqualTo(200);
    try {
      assertThat(us1.post("/crdt/sets/causal-a/add", "{\"element\":\"cause\"}").status())
          .isEqualTo(200);
      await("us-east-2 shows the cause", 10_000, () -> setHas(us2, "causal-a", "cause"));
      double waitsBefore = depsWaits(eu);
      assertThat(us2.post("/crdt/sets/causal-b/add", "{\"element\":\"effect\"}").status())
          .isEqualTo(200);
      await(
          "eu-west-1 received the effect (holds or shows it)",
          10_000,
          () -> depsWaits(eu) > waitsBefore || setHas(eu, "causal-b", "effect"));
      assertThat(setHas(eu, "causal-b", "effect")).as("the effect without its cause").isFalse();
      assertThat(setHas(eu, "causal-a", "cause")).isFalse();
    } finally {
      assertThat(us1.delete("/admin/faults").status()).isEqualTo(200);
    }
    await(
        "eu-west-1 shows the cause and the effect",
        20_000,
        () -> setHas(eu, "causal-a", "cause") && setHas(eu, "causal-b", "effect"));
  }
}
