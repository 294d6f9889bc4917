package io.geodatastore.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.client.GeoClient;
import io.geodatastore.client.GeoClientException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A checkpoint of a running node ({@code POST /admin/snapshot}) and a node started from it ({@code
 * geods restore}, then {@code geods node}): the data of the checkpoint moment, a new replica id.
 */
class SnapshotTest {

  @TempDir Path dir;

  @Test
  void aNodeRestoredFromASnapshotServesTheSnapshotsDataUnderANewReplicaId() throws Exception {
    Path snap = dir.resolve("snap");
    String originalReplica;
    try (GeodsNode node = TestNodes.start(dir.resolve("a"));
        GeoClient c = GeoClient.connect("http://127.0.0.1:" + node.httpPort())) {
      c.counters().increment("kept", 7);
      c.sets().add("tags", "x", "y");
      originalReplica = c.admin().status().findValue("replica_id").asText();
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + node.httpPort() + "/admin/snapshot"))
                      .POST(HttpRequest.BodyPublishers.ofString("{\"dir\":\"" + snap + "\"}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      HttpResponse<String> again =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + node.httpPort() + "/admin/snapshot"))
                      .POST(HttpRequest.BodyPublishers.ofString("{\"dir\":\"" + snap + "\"}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(again.statusCode()).as("a snapshot never overwrites a directory").isEqualTo(409);
      c.counters().increment("after", 1);
    }

    Path restored = dir.resolve("restored");
    int exit =
        new CommandLine(new Main())
            .execute(
                "restore",
                "--from",
                snap.toString(),
                "--data-dir",
                restored.toString(),
                "--node-id",
                "us-east-1");
    assertThat(exit).isZero();

    try (GeodsNode node = TestNodes.start(restored);
        GeoClient c = GeoClient.connect("http://127.0.0.1:" + node.httpPort())) {
      assertThat(c.counters().get("kept").orElseThrow().value()).isEqualTo(7);
      assertThat(c.sets().get("tags").orElseThrow().strings()).containsExactly("x", "y");
      assertThat(c.counters().get("after")).as("written after the snapshot").isEmpty();
      String replica = c.admin().status().findValue("replica_id").asText();
      assertThat(replica)
          .as("a restored node must never reissue its source's dots")
          .isNotEqualTo(originalReplica);
      c.counters().increment("kept", 1);
      assertThat(c.counters().get("kept").orElseThrow().value()).isEqualTo(8);
    } catch (GeoClientException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }
}
