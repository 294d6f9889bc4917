package io.geodatastore.node;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Real nodes in this JVM, on free ports, under one temporary directory, joined through seeds (the
 * first node of each region), with the helpers the multi-node tests share.
 */
final class TestCluster implements AutoCloseable {

  private final Path dir;
  private final List<GeodsNode> nodes = new ArrayList<>();
  private final List<TestHttp> http = new ArrayList<>();

  private TestCluster(Path dir) {
    this.dir = dir;
  }

  /**
   * Starts one node per row of {@code shape} ({@code {node id, region}}), with fault injection and
   * the settings of {@code extra}, and waits until every node sees all of them alive.
   */
  static TestCluster start(
      String name, String[][] shape, Map<String, String> extra, long joinTimeoutMs)
      throws IOException {
    TestCluster c = new TestCluster(Files.createTempDirectory(name));
    int[] peers = new int[shape.length];
    Set<String> regions = new LinkedHashSet<>();
    List<String> seeds = new ArrayList<>();
    for (int i = 0; i < shape.length; i++) {
      peers[i] = freePort();
      if (regions.add(shape[i][1])) {
        seeds.add("127.0.0.1:" + peers[i]);
      }
    }
    for (int i = 0; i < shape.length; i++) {
      Map<String, String> s = TestNodes.settings(c.dir.resolve(shape[i][0]));
      s.put("node-id", shape[i][0]);
      s.put("region", shape[i][1]);
      s.put("peer", "127.0.0.1:" + peers[i]);
      s.put("seeds", String.join(",", seeds));
      s.put("enable-fault-injection", "true");
      s.putAll(extra);
      GeodsNode n = TestNodes.start(s);
      c.nodes.add(n);
      c.http.add(new TestHttp(n.httpPort()));
    }
    await(
        "every node sees " + shape.length + " alive members",
        joinTimeoutMs,
        () -> c.http.stream().allMatch(h -> aliveMembers(h) == shape.length));
    return c;
  }

  /** The nodes, in the order of the shape. */
  List<GeodsNode> nodes() {
    return nodes;
  }

  /** A client of each node's HTTP API, in the order of the shape. */
  List<TestHttp> http() {
    return http;
  }

  /** Stops every node (again, for those a test stopped) and deletes their data. */
  @Override
  public void close() throws IOException {
    nodes.forEach(GeodsNode::close);
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The members {@code h}'s node reports alive. */
  static long aliveMembers(TestHttp h) {
    JsonNode members = h.get("/admin/status").json().get("members");
    long n = 0;
    for (JsonNode m : members) {
      if (m.get("state").asText().equals("alive")) {
        n++;
      }
    }
    return n;
  }

  /** Polls {@code cond} every 25 ms until it holds; fails after {@code timeoutMs}. */
  static void await(String what, long timeoutMs, BooleanSupplier cond) {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeoutMs + " ms waiting until " + what);
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** A counter's value at {@code h}'s node, or {@code Long.MIN_VALUE} when it does not exist. */
  static long counter(TestHttp h, String key) {
    TestHttp.Resp r = h.get("/crdt/counters/" + key);
    return r.status() == 200 ? r.json().get("value").asLong() : Long.MIN_VALUE;
  }
}
