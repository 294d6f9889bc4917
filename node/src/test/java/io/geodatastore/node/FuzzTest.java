package io.geodatastore.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded, seeded fuzz run: random bytes and random JSON to random endpoints. Every answer is
 * 2xx, or 4xx with a JSON error body (never 5xx); keys outside the fuzzed namespace keep their
 * data; the node keeps serving. A failure prints the seed and the request.
 */
class FuzzTest {

  static final int REQUESTS = 2_000;

  @TempDir Path dir;
  GeodsNode node;
  TestHttp http;

  @BeforeEach
  void start() {
    node = TestNodes.start(dir);
    http = new TestHttp(node.httpPort());
    http.post("/crdt/counters/keep", "{\"type\":\"pn_counter\",\"initial_value\":42}");
    http.post("/crdt/sets/keep", "{\"type\":\"or_set\"}");
    http.post("/crdt/sets/keep/add", "{\"elements\":[1,\"two\",{\"three\":3}]}");
    http.post("/crdt/registers/keep", "{\"type\":\"mv_register\",\"value\":[1]}");
  }

  @AfterEach
  void stop() {
    node.close();
  }

  static final List<String> PATHS =
      List.of(
          "/crdt/counters/f",
          "/crdt/counters/f/increment",
          "/crdt/counters/f/decrement",
          "/crdt/counters/fg",
          "/crdt/counters/fg/increment",
          "/crdt/counters/fg/decrement",
          "/crdt/sets/f",
          "/crdt/sets/f/add",
          "/crdt/sets/f/remove",
          "/crdt/sets/fg/add",
          "/crdt/registers/f",
          "/crdt/registers/fm",
          "/crdt/counters",
          "/crdt/sets?prefix=f",
          "/crdt/bogus/f",
          "/crdt/counters/f/bogus",
          "/admin/status",
          "/admin/conflicts",
          "/crdt/counters/%FF",
          "/crdt/counters/f?consistency=",
          "/crdt/batch",
          "/crdt/batch",
          "/crdt/batch?consistency=quorum");

  static final List<String> FIELDS =
      List.of(
          "type",
          "value",
          "initial_value",
          "element",
          "elements",
          "context",
          "region",
          "consistency",
          "operations",
          "operations",
          "x");

  static final List<String> TYPES =
      List.of(
          "\"g_counter\"",
          "\"pn_counter\"",
          "\"g_set\"",
          "\"two_phase_set\"",
          "\"or_set\"",
          "\"lww_register\"",
          "\"mv_register\"",
          "\"nope\"");

  @Test
  void randomRequestsNeverBreakTheNodeOrOtherKeys() {
    long seed = Long.getLong("fuzz.seed", 20_260_101L);
    Random rnd = new Random(seed);
    Map<String, String> keep = snapshot();
    String[] methods = {"GET", "POST", "POST", "POST", "DELETE", "PUT"};
    for (int i = 0; i < REQUESTS; i++) {
      String method = methods[rnd.nextInt(methods.length)];
      String path = PATHS.get(rnd.nextInt(PATHS.size()));
      byte[] body =
          rnd.nextInt(4) == 0
              ? randomBytes(rnd)
              : randomJson(rnd).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      String ct = rnd.nextBoolean() ? "application/x-www-form-urlencoded" : null;
      TestHttp.Resp r = http.send(method, path, body, ct, Map.of());
      String what =
          "seed "
              + seed
              + " request "
              + i
              + ": "
              + method
              + " "
              + path
              + " "
              + new String(body, java.nio.charset.StandardCharsets.UTF_8)
              + " -> "
              + r.status()
              + " "
              + r.text();
      assertThat(r.status()).as(what).isBetween(200, 499);
      if (r.status() >= 400) {
        assertThat(r.json()).as(what).isNotNull();
        assertThat(r.json().path("error").isTextual()).as(what).isTrue();
        assertThat(r.json().path("message").isTextual()).as(what).isTrue();
      }
      if (i % 200 == 199) {
        assertThat(snapshot()).as(what).isEqualTo(keep);
        assertThat(http.get("/health/live").status()).as(what).isEqualTo(200);
      }
    }
    assertThat(snapshot()).isEqualTo(keep);
    assertThat(http.get("/health/ready").status()).isEqualTo(200);
  }

  private Map<String, String> snapshot() {
    return Map.of(
        "c", http.get("/crdt/counters/keep").text(),
        "s", http.get("/crdt/sets/keep").text(),
        "r", http.get("/crdt/registers/keep").text());
  }

  private static byte[] randomBytes(Random rnd) {
    byte[] b = new byte[rnd.nextInt(64)];
    rnd.nextBytes(b);
    return b;
  }

  private static String randomJson(Random rnd) {
    StringBuilder b = new StringBuilder("{");
    int n = rnd.nextInt(4);
    for (int i = 0; i < n; i++) {
      String f = FIELDS.get(rnd.nextInt(FIELDS.size()));
      b.append(i == 0 ? "" : ",").append('"').append(f).append("\":");
      b.append(
          f.equals("type") && rnd.nextBoolean()
              ? TYPES.get(rnd.nextInt(TYPES.size()))
              : f.equals("operations") && rnd.nextInt(4) > 0 ? operations(rnd) : value(rnd, 2));
    }
    b.append('}');
    String s = b.toString();
    if (rnd.nextInt(10) == 0 && s.length() > 1) {
      return s.substring(0, rnd.nextInt(s.length())); // truncated
    }
    return s;
  }

  static final List<String> FAMILIES = List.of("counters", "sets", "registers", "bogus");

  static final List<String> OPS =
      List.of("increment", "decrement", "add", "remove", "write", "create", "delete", "bogus");

  /** A batch's operations: mostly well formed, on the fuzzed keys only (never "keep"). */
  private static String operations(Random rnd) {
    StringBuilder b = new StringBuilder("[");
    int n = rnd.nextInt(5);
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ",");
      if (rnd.nextInt(8) == 0) {
        b.append(value(rnd, 1));
        continue;
      }
      b.append("{\"family\":\"")
          .append(FAMILIES.get(rnd.nextInt(FAMILIES.size())))
          .append("\",\"key\":")
          .append(rnd.nextInt(8) == 0 ? value(rnd, 0) : rnd.nextBoolean() ? "\"f\"" : "\"fg\"")
          .append(",\"op\":\"")
          .append(OPS.get(rnd.nextInt(OPS.size())))
          .append('"');
      for (int k = rnd.nextInt(3); k > 0; k--) {
        String f = FIELDS.get(rnd.nextInt(FIELDS.size()));
        b.append(",\"").append(f).append("\":");
        b.append(
            f.equals("type") && rnd.nextBoolean()
                ? TYPES.get(rnd.nextInt(TYPES.size()))
                : value(rnd, 2));
      }
      b.append('}');
    }
    return b.append(']').toString();
  }

  private static String value(Random rnd, int depth) {
    return switch (rnd.nextInt(depth > 0 ? 10 : 7)) {
      case 0 -> "null";
      case 1 -> Long.toString(rnd.nextLong() % 1000);
      case 2 -> Long.toString(rnd.nextLong());
      case 3 -> Double.toString(rnd.nextGaussian() * 1e6);
      case 4 -> rnd.nextBoolean() ? "true" : "false";
      case 5 -> "\"s" + rnd.nextInt(5) + "\"";
      case 6 -> "\"eventual\"";
      case 7 -> "[" + value(rnd, depth - 1) + "," + value(rnd, depth - 1) + "]";
      case 8 -> "{\"vv\":{\"r\":" + rnd.nextInt(3) + "}}";
      default -> "{\"k\":" + value(rnd, depth - 1) + "}";
    };
  }
}
