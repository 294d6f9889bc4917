package io.geodatastore.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data and identity survive a clean stop, and a kill -9 of a node running in its own JVM. */
class RestartTest {

  @TempDir Path dir;

  @Test
  void dataAndIdentitySurviveACleanStopAndRestart() {
    String replica;
    try (GeodsNode node = TestNodes.start(dir)) {
      TestHttp http = new TestHttp(node.httpPort());
      http.post("/crdt/counters/c/increment", "{\"value\":5}");
      http.post("/crdt/sets/s/add", "{\"elements\":[\"a\",{\"b\":1}]}");
      http.post("/crdt/registers/r", "{\"type\":\"mv_register\",\"value\":\"v\"}");
      replica = http.get("/admin/status").json().get("node").get("replica_id").asText();
    }
    try (GeodsNode node = TestNodes.start(dir)) {
      TestHttp http = new TestHttp(node.httpPort());
      assertThat(http.get("/admin/status").json().get("node").get("replica_id").asText())
          .isEqualTo(replica);
      assertThat(http.get("/crdt/counters/c").json().get("value").asLong()).isEqualTo(5);
      assertThat(http.get("/crdt/sets/s").json().get("size").asInt()).isEqualTo(2);
      assertThat(http.get("/crdt/registers/r").json().get("values").get(0).asText()).isEqualTo("v");
      // New writes continue past the old sequence: the session token keeps growing.
      var w = http.post("/crdt/counters/c/increment", "{}");
      assertThat(SessionToken.decode(w.header(SessionToken.HEADER)).vector().get(replica))
          .isGreaterThan(3);
    }
  }

  @Test
  void dataAndIdentitySurviveKillDashNineOfAChildProcessNode() throws Exception {
    Path data = dir.resolve("data");
    int port = freePort();
    Process p = startChild(data, port);
    String replica;
    try {
      TestHttp http = awaitReady(p, port);
      for (int i = 0; i < 50; i++) {
        assertThat(http.post("/crdt/counters/k/increment", "{\"value\":2}").status())
            .isEqualTo(200);
      }
      http.post("/crdt/sets/s/add", "{\"elements\":[1,2,3]}");
      replica = http.get("/admin/status").json().get("node").get("replica_id").asText();
    } finally {
      p.destroyForcibly(); // SIGKILL: no shutdown hook runs
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    port = freePort();
    Process q = startChild(data, port);
    try {
      TestHttp http = awaitReady(q, port);
      assertThat(http.get("/admin/status").json().get("node").get("replica_id").asText())
          .isEqualTo(replica);
      assertThat(http.get("/crdt/counters/k").json().get("value").asLong()).isEqualTo(100);
      assertThat(http.get("/crdt/sets/s").json().get("size").asInt()).isEqualTo(3);
    } finally {
      q.destroy(); // SIGTERM: the clean stop path
      if (!q.waitFor(30, TimeUnit.SECONDS)) {
        q.destroyForcibly();
      }
    }
    assertThat(q.exitValue()).as("a SIGTERM stop exits by the shutdown hook").isIn(0, 143);
  }

  @Test
  void sigtermLosesNoAcknowledgedWriteAndHalfAppliesNone() throws Exception {
    Path data = dir.resolve("sigterm");
    int port = freePort();
    Process p = startChild(data, port);
    awaitReady(p, port);
    HttpClient client = HttpClient.newHttpClient();
    URI inc = URI.create("http://127.0.0.1:" + port + "/crdt/counters/hits/increment");
    AtomicInteger acked = new AtomicInteger();
    List<CompletableFuture<?>> sent = new ArrayList<>();
    int total = 400;
    for (int i = 0; i < total; i++) {
      sent.add(
          client
              .sendAsync(
                  HttpRequest.newBuilder(inc)
                      .POST(HttpRequest.BodyPublishers.ofString("{}"))
                      .build(),
                  HttpResponse.BodyHandlers.discarding())
              .thenAccept(
                  r -> {
                    if (r.statusCode() == 200) {
                      acked.incrementAndGet();
                    }
                  }));
      if (i == total / 2) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (acked.get() < 10 && System.nanoTime() < deadline) {
          Thread.sleep(1);
        }
        p.destroy(); // SIGTERM while writes are in flight
      }
    }
    for (CompletableFuture<?> f : sent) {
      try {
        f.get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        // refused or cut off by the stop: not acknowledged
      }
    }
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(acked.get())
        .as("writes acknowledged before and during the stop")
        .isGreaterThanOrEqualTo(10);
    port = freePort();
    Process q = startChild(data, port);
    try {
      TestHttp http = awaitReady(q, port);
      var r = http.get("/crdt/counters/hits");
      long value = r.status() == 404 ? 0 : r.json().get("value").asLong();
      assertThat(value)
          .as("every acknowledged increment survived")
          .isGreaterThanOrEqualTo(acked.get());
      assertThat(value).isLessThanOrEqualTo(total);
    } finally {
      q.destroy();
      if (!q.waitFor(30, TimeUnit.SECONDS)) {
        q.destroyForcibly();
      }
    }
  }

  private Process startChild(Path data, int port) throws IOException {
    String cp =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(cp);
    cmd.add("io.geodatastore.node.Main");
    cmd.addAll(
        List.of(
            "node",
            "--node-id",
            "us-east-1",
            "--region",
            "us-east",
            "--http",
            "127.0.0.1:" + port,
            "--peer",
            "127.0.0.1:1",
            "--data-dir",
            data.toString(),
            "--shards",
            "2"));
    Path log = dir.resolve("child-" + port + ".log");
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private TestHttp awaitReady(Process p, int port) throws Exception {
    TestHttp http = new TestHttp(port);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new AssertionError("the child node exited: " + childLog(port));
      }
      try {
        if (http.get("/health/ready").status() == 200) {
          return http;
        }
      } catch (RuntimeException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the child node did not become ready: " + childLog(port));
  }

  private String childLog(int port) throws IOException {
    File f = dir.resolve("child-" + port + ".log").toFile();
    return f.exists() ? Files.readString(f.toPath()) : "(no log)";
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
