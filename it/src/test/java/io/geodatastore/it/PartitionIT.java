package io.geodatastore.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.geodatastore.client.Consistency;
import io.geodatastore.client.GeoClient;
import io.geodatastore.client.GeoClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three regions in three network namespaces joined by a bridge (scripts/netlab). One region's link
 * is taken down: both sides keep taking writes, {@code all} reads answer 503 and {@code quorum}
 * reads are served; after the link comes back every node converges to the sum of all of them and
 * {@code all} reads are served again.
 */
class PartitionIT {

  private final String lab =
      "gi" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xFFFF));
  private final List<NodeProcess> nodes = new ArrayList<>();
  private boolean labUp;

  private static boolean root() {
    try {
      return new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes())
          .trim()
          .equals("0");
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private void netlab(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("scripts/netlab"));
    cmd.addAll(List.of(args));
    QuickStartIT.Result r = QuickStartIT.run(cmd, Map.of(), 60);
    assertThat(r.exit()).as("netlab %s: %s", List.of(args), r.output()).isZero();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (NodeProcess n : nodes) {
      n.close();
    }
    if (labUp) {
      netlab("down", lab);
    }
  }

  @Test
  void aRegionCutOffByItsLinkKeepsWritingAndEveryoneConvergesAfterHealing() throws Exception {
    assumeTrue(root(), "network namespaces need root");
    netlab("up", lab, "3");
    labUp = true;
    String[] regions = {"us-east", "eu-west", "ap-southeast"};
    String seeds = "10.77.0.1:9080,10.77.0.2:9080,10.77.0.3:9080";
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "partition-");
    for (int i = 1; i <= 3; i++) {
      nodes.add(
          new NodeProcess(
                  regions[i - 1] + "-1",
                  regions[i - 1],
                  "10.78." + i + ".2",
                  8080,
                  "10.77.0." + i + ":9080",
                  seeds,
                  dir.resolve("n" + i),
                  lab + "-r" + i)
              .start());
    }
    for (NodeProcess n : nodes) {
      n.awaitReady(Duration.ofSeconds(90));
    }
    List<GeoClient> c = nodes.stream().map(NodeProcess::client).toList();
    try {
      Await.until(
          "every node sees three alive members",
          Duration.ofSeconds(30),
          () ->
              c.stream()
                  .mapToLong(x -> x.admin().status().toString().split("\"alive\"", -1).length - 1)
                  .min()
                  .orElse(0),
          alive -> alive >= 3);
      c.get(0).counters().increment("clicks", 10);
      for (GeoClient x : c) {
        Await.until("10 replicated", Duration.ofSeconds(20), () -> value(x), v -> v == 10);
      }

      netlab("cut", lab, "3");
      c.get(0).counters().increment("clicks", 5);
      c.get(2).counters().increment("clicks", 7);
      assertThat(value(c.get(2))).as("the cut-off region takes writes").isEqualTo(17);
      Await.until(
          "the connected side sees its own writes",
          Duration.ofSeconds(20),
          () -> value(c.get(1)),
          v -> v == 15);
      assertThat(value(c.get(1))).as("nothing crosses the cut").isEqualTo(15);
      // Reads: `all` cannot be met with a region cut off and says so (after the node's read
      // timeout, 5 s, which the test clients' own timeout equals); a majority still answers.
      GeoClient patient = GeoClient.connect(nodes.get(0).url(), Duration.ofSeconds(30));
      assertThatThrownBy(() -> patient.counters().get("clicks", Consistency.ALL))
          .isInstanceOfSatisfying(
              GeoClientException.class,
              e -> {
                assertThat(e.status()).isEqualTo(503);
                assertThat(e.error()).isEqualTo("consistency_unavailable");
                assertThat(e.getMessage()).contains("reached 2 of 3 needed replicas");
              });
      assertThat(c.get(0).counters().get("clicks", Consistency.QUORUM).orElseThrow().value())
          .isEqualTo(15);
      patient.close();

      netlab("heal", lab, "3");
      for (GeoClient x : c) {
        Await.until(
            "convergence after healing", Duration.ofSeconds(60), () -> value(x), v -> v == 22);
      }
      Await.until(
          "an all read succeeds after healing",
          Duration.ofSeconds(60),
          () -> allValue(nodes.get(0).url()),
          v -> v == 22);
    } finally {
      c.forEach(GeoClient::close);
    }
  }

  /** The value read at {@code all}, or -1 while that level cannot be met. */
  private static long allValue(String url) {
    try (GeoClient c = GeoClient.connect(url, Duration.ofSeconds(30))) {
      return c.counters().get("clicks", Consistency.ALL).map(v -> v.value()).orElse(-1L);
    } catch (GeoClientException e) {
      return -1;
    }
  }

  private static long value(GeoClient c) {
    return c.counters().get("clicks").map(v -> v.value()).orElse(-1L);
  }
}
