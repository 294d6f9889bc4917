package io.geodatastore.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /crdt/batch} against a real node: many writes in one request. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchApiTest {

  @TempDir static Path dir;
  GeodsNode node;
  TestHttp http;

  @BeforeAll
  void start() {
    Map<String, String> s = TestNodes.settings(dir);
    s.put("max-batch-operations", "50");
    node = TestNodes.start(s);
    http = new TestHttp(node.httpPort());
  }

  @AfterAll
  void stop() {
    node.close();
  }

  private static String op(String family, String key, String op, String fields) {
    return "{\"family\":\""
        + family
        + "\",\"key\":\""
        + key
        + "\",\"op\":\""
        + op
        + "\""
        + (fields.isEmpty() ? "" : "," + fields)
        + "}";
  }

  private TestHttp.Resp batch(String query, String... ops) {
    return http.post("/crdt/batch" + query, "{\"operations\":[" + String.join(",", ops) + "]}");
  }

  /** The single call an operation of {@link #mixedBatch} stands for, on key prefix {@code p}. */
  private TestHttp.Resp single(String family, String key, String op, String body) {
    String path = "/crdt/" + family + "/" + key;
    return switch (op) {
      case "create", "write" -> http.post(path, body);
      case "delete" -> http.delete(path);
      default -> http.post(path + "/" + op, body);
    };
  }

  /** {family, key, op, fields}: every kind of operation, some of them refused. */
  private static final String[][] MIXED = {
    {"counters", "c", "create", "\"type\":\"g_counter\""},
    {"counters", "c", "increment", "\"value\":5"},
    {"counters", "c", "increment", ""},
    {"counters", "c", "decrement", "\"value\":1"}, // a g_counter: 409
    {"counters", "p", "decrement", "\"value\":4"}, // creates a pn_counter at -4
    {"sets", "s", "create", "\"type\":\"two_phase_set\""},
    {"sets", "s", "add", "\"elements\":[1,\"two\",{\"b\":2,\"a\":1}]"},
    {"sets", "s", "remove", "\"element\":1"},
    {"sets", "o", "add", "\"element\":[1.0,2]"},
    {"registers", "r", "write", "\"value\":{\"x\":[1,2]}"},
    {"registers", "m", "create", "\"type\":\"mv_register\",\"value\":\"first\""},
    {"registers", "m", "create", "\"type\":\"lww_register\""}, // exists as mv: 409
    {"counters", "p", "delete", ""},
    {"counters", "nothing", "delete", ""}, // 404
  };

  @Test
  void aBatchAnswersWhatEachSingleCallWouldHaveInShortAndAppliesItInOrder() {
    List<String> ops = new ArrayList<>();
    for (String[] o : MIXED) {
      ops.add(op(o[0], "a-" + o[1], o[2], o[3]));
    }
    TestHttp.Resp r = batch("", ops.toArray(String[]::new));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.header("x-geo-session")).isNotBlank();
    JsonNode results = r.json().get("results");
    assertThat(results).hasSize(MIXED.length);
    assertThat(r.json().get("failed").asInt()).isEqualTo(3);
    for (int i = 0; i < MIXED.length; i++) {
      String[] o = MIXED[i];
      TestHttp.Resp alone = single(o[0], "b-" + o[1], o[2], "{" + o[3] + "}");
      JsonNode a = alone.json();
      ObjectNode expected = CanonicalJson.MAPPER.createObjectNode().put("status", alone.status());
      if (alone.status() >= 400) {
        expected.put("error", a.get("error").asText());
        expected.put("message", a.get("message").asText().replace("b-", "a-"));
      } else {
        expected.put("key", "a-" + o[1]).set("type", a.get("type"));
        for (String f : List.of("deleted", "size")) {
          if (a.has(f)) {
            expected.set(f, a.get(f));
          }
        }
        if (o[0].equals("counters") && a.has("value")) {
          expected.set("value", a.get("value"));
        }
      }
      assertThat(results.get(i))
          .as("operations[" + i + "] " + String.join(" ", o))
          .isEqualTo(expected);
    }
    // And the keys hold what the single calls left behind.
    for (String[] o : MIXED) {
      JsonNode a = http.get("/crdt/" + o[0] + "/a-" + o[1]).json();
      JsonNode b = http.get("/crdt/" + o[0] + "/b-" + o[1]).json();
      for (String f : List.of("type", "elements", "size", "values")) {
        assertThat(a.get(f)).as(o[0] + "/" + o[1] + " " + f).isEqualTo(b.get(f));
      }
      if (!o[0].equals("registers")) {
        assertThat(a.get("value")).as(o[0] + "/" + o[1]).isEqualTo(b.get("value"));
      }
    }
    assertThat(http.get("/crdt/counters/a-c").json().get("value").asLong()).isEqualTo(6);
    assertThat(http.get("/crdt/counters/a-p").status()).isEqualTo(404);
    assertThat(http.get("/crdt/registers/a-r").json().get("value"))
        .isEqualTo(CanonicalJson.parseValue("{\"x\":[1,2]}"));
  }

  @Test
  void aBatchOnABigSetAnswersItsSizeNotItsElements() {
    StringBuilder elements = new StringBuilder();
    for (int i = 0; i < 5_000; i++) {
      elements.append(i == 0 ? "" : ",").append(i);
    }
    http.post("/crdt/sets/big/add", "{\"elements\":[" + elements + "]}");
    String[] ops = new String[50];
    for (int i = 0; i < ops.length; i++) {
      ops[i] = op("sets", "big", "add", "\"element\":\"e" + i + "\"");
    }
    TestHttp.Resp r = batch("", ops);
    assertThat(r.text().length()).isLessThan(5_000);
    assertThat(r.json().get("results").get(49).get("size").asInt()).isEqualTo(5_050);
  }

  @Test
  void operationsOnOneKeyApplyInTheOrderGiven() {
    List<String> ops = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      ops.add(
          i % 3 == 2
              ? op("counters", "ordered", "decrement", "\"value\":" + i)
              : op("counters", "ordered", "increment", "\"value\":" + i));
    }
    JsonNode results = batch("", ops.toArray(String[]::new)).json().get("results");
    long v = 0;
    for (int i = 0; i < 40; i++) {
      v += i % 3 == 2 ? -i : i;
      assertThat(results.get(i).get("value").asLong()).as("after operation " + i).isEqualTo(v);
    }
    assertThat(http.get("/crdt/counters/ordered").json().get("value").asLong()).isEqualTo(v);
  }

  @Test
  void aRefusedOperationHoldsNoOtherBack() {
    http.post("/crdt/counters/full", "{\"initial_value\":9223372036854775807}");
    TestHttp.Resp r =
        batch(
            "",
            op("counters", "full", "increment", ""),
            op("counters", "beside-full", "increment", "\"value\":2"));
    assertThat(r.status()).isEqualTo(200);
    JsonNode results = r.json().get("results");
    assertThat(results.get(0).get("status").asInt()).isEqualTo(409);
    assertThat(results.get(0).get("error").asText()).isEqualTo("counter_overflow");
    assertThat(results.get(1).get("value").asLong()).isEqualTo(2);
    assertThat(http.get("/crdt/counters/full").json().get("value").asLong())
        .isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void theSessionTokenCoversEveryWriteOfTheBatch() {
    TestHttp.Resp r =
        batch(
            "",
            op("counters", "t1", "increment", ""),
            op("sets", "t2", "add", "\"element\":1"),
            op("registers", "t3", "write", "\"value\":1"));
    SessionToken token = SessionToken.decode(r.header("x-geo-session"));
    String replica = node.store().replicaId().value();
    assertThat(token.vector()).containsKey(replica);
    TestHttp.Resp after = http.post("/crdt/counters/t4/increment", "{}");
    long next = SessionToken.decode(after.header("x-geo-session")).vector().get(replica);
    // The single write after the batch got the next sequence: the token named the batch's last.
    assertThat(token.vector().get(replica)).isEqualTo(next - 1);
  }

  @Test
  void writeLevelsApplyToTheWholeBatch() {
    TestHttp.Resp r = batch("?consistency=all", op("counters", "lvl", "increment", ""));
    assertThat(r.status()).as(r.text()).isEqualTo(200); // one node: every replica is this one
    r =
        http.post(
            "/crdt/batch",
            "{\"consistency\":\"quorum\",\"operations\":["
                + op("counters", "lvl", "increment", "")
                + "]}");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(http.get("/crdt/counters/lvl").json().get("value").asLong()).isEqualTo(2);
  }

  @Test
  void theOperationLimitIsTheConfiguredOne() {
    String[] ops = new String[51];
    for (int i = 0; i < ops.length; i++) {
      ops[i] = op("counters", "limit", "increment", "");
    }
    TestHttp.Resp r = batch("", ops);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().get("error").asText()).isEqualTo("too_many_operations");
    assertThat(r.json().get("message").asText()).contains("51", "50", "--max-batch-operations");
    assertThat(http.get("/crdt/counters/limit").status()).isEqualTo(404);
    assertThat(batch("", java.util.Arrays.copyOf(ops, 50)).status()).isEqualTo(200);
    assertThat(http.get("/crdt/counters/limit").json().get("value").asLong()).isEqualTo(50);
  }

  @Test
  void batchedWritesAreCountedPerOperationInTheMetrics() {
    String[] ops = new String[7];
    for (int i = 0; i < ops.length; i++) {
      ops[i] = op("counters", "metered", "increment", "");
    }
    double before = increments();
    batch("", ops);
    assertThat(increments() - before).isEqualTo(7.0);
    assertThat(http.get("/metrics").text()).contains("service=\"crdt.batch\"");
  }

  /** geodatastore_operations_total of pn_counter increments. */
  private double increments() {
    for (String line : http.get("/metrics").text().split("\n")) {
      if (line.startsWith("geodatastore_operations_total{")
          && line.contains("operation=\"increment\"")
          && line.contains("type=\"pn_counter\"")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }
}
