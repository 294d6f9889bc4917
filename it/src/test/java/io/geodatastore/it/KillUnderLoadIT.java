package io.geodatastore.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.client.GeoClient;
import io.geodatastore.client.GeoClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three nodes (one per region) under a steady write load; one is killed with SIGKILL, restarted on
 * its data directory, and catches up. Nothing acknowledged is lost anywhere.
 */
class KillUnderLoadIT {

  private final List<NodeProcess> nodes = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (NodeProcess n : nodes) {
      n.close();
    }
  }

  @Test
  void aNodeKilledUnderLoadRestartsCatchesUpAndNothingAcknowledgedIsLost() throws Exception {
    String[] regions = {"us-east", "eu-west", "ap-southeast"};
    int[] http = new int[3];
    int[] peer = new int[3];
    for (int i = 0; i < 3; i++) {
      http[i] = NodeProcess.freePort();
      peer[i] = NodeProcess.freePort();
    }
    String seeds = "127.0.0.1:" + peer[0] + ",127.0.0.1:" + peer[1] + ",127.0.0.1:" + peer[2];
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "kill-");
    for (int i = 0; i < 3; i++) {
      nodes.add(node(regions[i], http[i], peer[i], seeds, dir));
    }
    for (NodeProcess n : nodes) {
      n.awaitReady(Duration.ofSeconds(90));
    }
    NodeProcess victim = nodes.get(1);

    AtomicBoolean stop = new AtomicBoolean(false);
    AtomicLong acked = new AtomicLong();
    AtomicLong attempted = new AtomicLong();
    List<Thread> writers = new ArrayList<>();
    for (NodeProcess target : List.of(nodes.get(0), victim)) {
      writers.add(Thread.ofPlatform().start(() -> load(target, stop, acked, attempted)));
    }
    Thread.sleep(3_000);
    victim.kill();
    assertThat(victim.isAlive()).isFalse();
    Thread.sleep(2_000);
    NodeProcess restarted = node(regions[1], http[1], peer[1], seeds, dir);
    nodes.set(1, restarted);
    restarted.awaitReady(Duration.ofSeconds(90));
    Thread.sleep(3_000);
    stop.set(true);
    for (Thread w : writers) {
      w.join(30_000);
    }
    long a = acked.get();
    long t = attempted.get();
    assertThat(a).as("the load made progress").isGreaterThan(50);
    for (NodeProcess n : nodes) {
      try (GeoClient c = n.client()) {
        long v =
            Await.until(
                n.nodeId + " converges with every acknowledged write",
                Duration.ofSeconds(60),
                () -> c.counters().get("load").map(x -> x.value()).orElse(-1L),
                x -> x >= a);
        assertThat(v).as("%s: acknowledged %d, attempted %d", n.nodeId, a, t).isBetween(a, t);
      }
    }
    long[] values = new long[3];
    for (int i = 0; i < 3; i++) {
      try (GeoClient c = nodes.get(i).client()) {
        int k = i;
        values[i] =
            Await.until(
                "equal everywhere",
                Duration.ofSeconds(30),
                () -> c.counters().get("load").map(x -> x.value()).orElse(-1L),
                x -> k == 0 || x == values[0]);
      }
    }
  }

  private static NodeProcess node(String region, int http, int peer, String seeds, Path dir)
      throws java.io.IOException {
    return new NodeProcess(
            region + "-1",
            region,
            "127.0.0.1",
            http,
            "127.0.0.1:" + peer,
            seeds,
            dir.resolve(region),
            null)
        .start();
  }

  private static void load(
      NodeProcess target, AtomicBoolean stop, AtomicLong acked, AtomicLong attempted) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    try (GeoClient c = GeoClient.connect(target.url(), Duration.ofSeconds(2))) {
      while (!stop.get() && System.nanoTime() < deadline) {
        attempted.incrementAndGet();
        try {
          c.counters().increment("load", 1);
          acked.incrementAndGet();
        } catch (GeoClientException e) {
          try {
            Thread.sleep(
                50); // the node is down: retry shortly, the load is bounded by the deadline
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    }
  }
}
