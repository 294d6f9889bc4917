package io.geodatastore.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API.md §5 on one node: status, health, metrics, conflicts, and fault injection. */
class AdminApiTest {

  @TempDir Path dir;

  @Test
  void statusDescribesThisNodeAndItsOnlyMember() {
    try (GeodsNode node = TestNodes.start(dir)) {
      TestHttp http = new TestHttp(node.httpPort());
      http.post("/crdt/counters/a/increment", "{}");
      http.post("/crdt/sets/b/add", "{\"element\":1}");
      var s = http.get("/admin/status");
      assertThat(s.status()).isEqualTo(200);
      var n = s.json().get("node");
      assertThat(n.get("id").asText()).isEqualTo("us-east-1");
      assertThat(n.get("region").asText()).isEqualTo("us-east");
      assertThat(n.get("replica_id").asText()).isEqualTo(node.store().replicaId().value());
      assertThat(n.get("version").asText()).isNotBlank();
      assertThat(n.get("uptime_seconds").asDouble()).isGreaterThanOrEqualTo(0);
      assertThat(n.get("keys").get("pn_counter").asLong()).isEqualTo(1);
      assertThat(n.get("keys").get("or_set").asLong()).isEqualTo(1);
      var members = s.json().get("members");
      assertThat(members).hasSize(1);
      assertThat(members.get(0).get("state").asText()).isEqualTo("alive");
      assertThat(http.get("/health/live").status()).isEqualTo(200);
      assertThat(http.get("/health/ready").status()).isEqualTo(200);
      assertThat(http.get("/admin/replication/lag").json().get("peers")).isEmpty();
    }
  }

  @Test
  void metricsExposeTheSeedMetricsStorageRocksDbJvmAndHttp() {
    try (GeodsNode node = TestNodes.start(dir)) {
      TestHttp http = new TestHttp(node.httpPort());
      http.post("/crdt/counters/a/increment", "{}");
      http.get("/crdt/counters/a");
      var m = http.get("/metrics");
      assertThat(m.status()).isEqualTo(200);
      assertThat(m.text())
          .contains(
              "geodatastore_operations_total{operation=\"increment\",region=\"us-east\",type=\"pn_counter\"} 1.0")
          .contains(
              "geodatastore_operations_total{operation=\"read\",region=\"us-east\",type=\"pn_counter\"} 1.0")
          .contains("geodatastore_replication_lag_seconds")
          .contains("geodatastore_conflicts_resolved_total")
          .contains("geodatastore_anti_entropy_syncs_total")
          .contains("geodatastore_vector_clock_size")
          .contains("geodatastore_storage_keys{type=\"pn_counter\"} 1.0")
          .contains("geodatastore_quarantined_keys")
          .contains("geodatastore_rocksdb_number_keys_written_total")
          .contains("jvm_memory_used_bytes")
          .contains(
              "http_server_total_duration_seconds_count{http_status=\"200\",method=\"GET\",service=\"crdt.key\"}");
    }
  }

  @Test
  void conflictsAreCountedAndListed() {
    try (GeodsNode node = TestNodes.start(dir)) {
      TestHttp http = new TestHttp(node.httpPort());
      http.post("/crdt/sets/tp", "{\"type\":\"two_phase_set\"}");
      http.post("/crdt/sets/tp/add", "{\"element\":\"x\"}");
      http.post("/crdt/sets/tp/remove", "{\"element\":\"x\"}");
      http.post("/crdt/sets/tp/add", "{\"element\":\"x\"}");
      var c = http.get("/admin/conflicts?key=tp&limit=5");
      assertThat(c.status()).isEqualTo(200);
      assertThat(c.json().get("conflicts")).isNotEmpty();
      assertThat(c.json().get("conflicts").get(0).get("reason").asText())
          .isEqualTo("two_phase_set_readd_refused");
      assertThat(http.get("/metrics").text())
          .contains(
              "geodatastore_conflicts_resolved_total{reason=\"two_phase_set_readd_refused\",type=\"two_phase_set\"} 1.0",
              "geodatastore_merkle_rebuilds_total{",
              "geodatastore_merkle_leaves_fixed_total{");
    }
  }

  @Test
  void theConflictLogSurvivesARestartNewestFirstWithinItsBound() {
    Map<String, String> s = TestNodes.settings(dir);
    s.put("conflict-log-max", "20");
    try (GeodsNode node = TestNodes.start(s)) {
      TestHttp http = new TestHttp(node.httpPort());
      http.post("/crdt/sets/tp", "{\"type\":\"two_phase_set\"}");
      for (int i = 0; i < 30; i++) {
        http.post("/crdt/sets/tp/add", "{\"element\":" + i + "}");
        http.post("/crdt/sets/tp/remove", "{\"element\":" + i + "}");
        http.post("/crdt/sets/tp/add", "{\"element\":" + i + "}");
      }
      http.post("/crdt/registers/tp", "{\"type\":\"mv_register\"}");
    }
    try (GeodsNode node = TestNodes.start(s)) {
      TestHttp http = new TestHttp(node.httpPort());
      var all = http.get("/admin/conflicts?limit=1000").json().get("conflicts");
      assertThat(all).as("bounded by --conflict-log-max after the restart").hasSize(20);
      var newest = all.get(0);
      assertThat(newest.get("family").asText()).isEqualTo("sets");
      assertThat(newest.get("key").asText()).isEqualTo("tp");
      assertThat(newest.get("type").asText()).isEqualTo("two_phase_set");
      assertThat(newest.get("reason").asText()).isEqualTo("two_phase_set_readd_refused");
      assertThat(newest.get("values").get(0).asInt()).isEqualTo(29);
      assertThat(newest.get("time").asText()).endsWith("Z");
      assertThat(all.get(19).get("values").get(0).asInt()).isEqualTo(10);
      assertThat(http.get("/admin/conflicts?key=tp&limit=3").json().get("conflicts")).hasSize(3);
      assertThat(http.get("/admin/conflicts?key=tp&family=sets").json().get("conflicts"))
          .hasSize(20);
      assertThat(http.get("/admin/conflicts?key=tp&family=registers").json().get("conflicts"))
          .isEmpty();
      assertThat(http.get("/admin/conflicts?key=other").json().get("conflicts")).isEmpty();
      var bad = http.get("/admin/conflicts?family=tables");
      assertThat(bad.status()).isEqualTo(400);
      assertThat(bad.json().get("error").asText()).isEqualTo("unknown_family");
    }
  }

  @Test
  void antiEntropyJobsOfALoneNodeEndAtOnceAndUnknownRegionsAndJobsAre404() {
    try (GeodsNode node = TestNodes.start(dir)) {
      TestHttp http = new TestHttp(node.httpPort());
      var full = http.post("/admin/anti-entropy/full-sync", "");
      assertThat(full.status()).as(full.text()).isEqualTo(202);
      assertThat(full.json().get("kind").asText()).isEqualTo("full_sync");
      assertThat(full.json().get("peers")).isEmpty();
      String id = full.json().get("id").asText();
      var job = http.get("/admin/anti-entropy/jobs/" + id);
      assertThat(job.status()).isEqualTo(200);
      assertThat(job.json().get("id").asText()).isEqualTo(id);
      assertThat(job.json().get("state").asText()).isEqualTo("done");
      for (String f :
          new String[] {"ranges_compared", "keys_repaired", "bytes", "started_at", "finished_at"}) {
        assertThat(job.json().has(f)).as(f).isTrue();
      }
      var region = http.post("/admin/sync/regions/us-east", "");
      assertThat(region.status()).isEqualTo(202);
      assertThat(region.json().get("kind").asText()).isEqualTo("region_sync");
      assertThat(region.json().get("region").asText()).isEqualTo("us-east");
      var unknown = http.post("/admin/sync/regions/eu-west", "");
      assertThat(unknown.status()).isEqualTo(404);
      assertThat(unknown.json().get("error").asText()).isEqualTo("unknown_region");
      var noJob = http.get("/admin/anti-entropy/jobs/nope");
      assertThat(noJob.status()).isEqualTo(404);
      assertThat(noJob.json().get("error").asText()).isEqualTo("unknown_job");
      assertThat(http.get("/admin/anti-entropy/full-sync").status()).isEqualTo(405);
      assertThat(http.get("/metrics").text())
          .contains(
              "geodatastore_anti_entropy_syncs_total{outcome=\"in_sync\",region=\"us-east\",scope=\"region\"} 0.0")
          .contains("geodatastore_anti_entropy_keys_repaired_total{region=\"us-east\"} 0.0")
          .contains(
              "geodatastore_anti_entropy_bytes_total{direction=\"sent\",region=\"us-east\"} 0.0");
    }
  }

  @Test
  void faultEndpointsAre404WithoutTheFlag() {
    try (GeodsNode node = TestNodes.start(dir)) {
      TestHttp http = new TestHttp(node.httpPort());
      for (String f : new String[] {"clock", "partition", "latency"}) {
        var r = http.post("/admin/faults/" + f, "{}");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().get("error").asText()).isEqualTo("not_found");
      }
      assertThat(http.delete("/admin/faults").status()).isEqualTo(404);
    }
  }

  @Test
  void clockFaultSkewsLwwTimestampsAndHealingRestoresIt() {
    Map<String, String> s = TestNodes.settings(dir);
    s.put("enable-fault-injection", "true");
    try (GeodsNode node = TestNodes.start(s)) {
      TestHttp http = new TestHttp(node.httpPort());
      long skew = 3_600_000;
      assertThat(http.post("/admin/faults/clock", "{\"offset_ms\":" + skew + "}").status())
          .isEqualTo(200);
      long now = System.currentTimeMillis();
      var w = http.post("/crdt/registers/r", "{\"value\":1}");
      assertThat(w.json().get("timestamp").asLong()).isGreaterThanOrEqualTo(now + skew - 1000);
      assertThat(http.post("/admin/faults/clock", "{\"offset_ms\":\"x\"}").status()).isEqualTo(400);
      var partition = http.post("/admin/faults/partition", "{\"isolate\":[\"eu-west\"]}");
      assertThat(partition.status()).isEqualTo(200);
      assertThat(partition.json().get("isolate").get(0).asText()).isEqualTo("eu-west");
      var latency =
          http.post(
              "/admin/faults/latency", "{\"region\":\"eu-west\",\"ms\":150,\"jitter_ms\":20}");
      assertThat(latency.status()).isEqualTo(200);
      assertThat(latency.json().get("latency").get("eu-west").get("ms").asLong()).isEqualTo(150);
      assertThat(http.post("/admin/faults/latency", "{\"region\":\"eu-west\"}").status())
          .isEqualTo(400);
      var healed = http.delete("/admin/faults").json();
      assertThat(healed.get("clock_offset_ms").asLong()).isZero();
      assertThat(healed.get("isolate")).isEmpty();
      assertThat(healed.get("latency")).isEmpty();
      assertThat(http.get("/admin/status").json().get("node").get("clock_offset_ms").asLong())
          .isZero();
    }
  }
}
