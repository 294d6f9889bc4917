package io.geodatastore.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The seed's Quick Start, exactly as written, on the cluster that {@code make start-cluster}
 * starts: three regions of three nodes, HTTP on 8080-8088.
 */
class QuickStartIT {

  private static final List<List<String>> SEED_QUICK_START =
      List.of(
          List.of(
              "curl",
              "-X",
              "POST",
              "http://localhost:8080/crdt/counters/page_views",
              "-d",
              "{\"type\": \"pn_counter\", \"initial_value\": 0}"),
          List.of(
              "curl",
              "-X",
              "POST",
              "http://localhost:8081/crdt/counters/page_views/increment",
              "-d",
              "{\"value\": 5}"),
          List.of(
              "curl",
              "-X",
              "POST",
              "http://localhost:8082/crdt/counters/page_views/increment",
              "-d",
              "{\"value\": 3}"));

  @Test
  void theSeedsQuickStartReadsEightOnEveryNodeWithinASecond() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "quickstart-");
    // The reactor has just built the node: no nested build from inside this test.
    Map<String, String> env = Map.of("CLUSTER_DIR", dir.toString(), "GEODS_NO_BUILD", "1");
    try {
      Result start = run(List.of("make", "--no-print-directory", "start-cluster"), env, 300);
      assertThat(start.exit()).as("make start-cluster:%n%s", start.output()).isZero();
      for (List<String> curl : SEED_QUICK_START) {
        Result r = run(curl, Map.of(), 30);
        assertThat(r.exit()).as("%s%n%s", curl, r.output()).isZero();
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      List<String> notYet = new ArrayList<>();
      for (int port = 8080; port <= 8088; port++) {
        String body = "";
        do {
          body =
              run(
                      List.of(
                          "curl", "-s", "http://localhost:" + port + "/crdt/counters/page_views"),
                      Map.of(),
                      10)
                  .output();
        } while (!body.contains("\"value\":8") && System.nanoTime() < deadline);
        if (!body.contains("\"value\":8")) {
          notYet.add(port + " -> " + body);
        }
      }
      assertThat(notYet).as("nodes not reading 8 one second after the last write").isEmpty();
    } finally {
      Result stop = run(List.of("make", "--no-print-directory", "stop-cluster"), env, 120);
      assertThat(stop.exit()).as("make stop-cluster:%n%s", stop.output()).isZero();
      assertThat(Files.readString(dir.resolve("pids"))).as("no pid left recorded").isBlank();
    }
  }

  record Result(int exit, String output) {}

  static Result run(List<String> cmd, Map<String, String> env, long timeoutSeconds)
      throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder(cmd).directory(NodeProcess.ROOT.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return new Result(-1, "timed out: " + new String(out, StandardCharsets.UTF_8));
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }
}
