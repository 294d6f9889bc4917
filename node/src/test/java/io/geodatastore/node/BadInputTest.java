package io.geodatastore.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bad requests answer the error of API.md §4 as JSON, change no stored data and leave the node
 * serving.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {

  @TempDir static Path dir;
  GeodsNode node;
  TestHttp http;
  Map<String, String> before;

  @BeforeAll
  void start() {
    node = TestNodes.start(dir);
    http = new TestHttp(node.httpPort());
    http.post("/crdt/counters/pn", "{\"type\":\"pn_counter\",\"initial_value\":10}");
    http.post("/crdt/counters/g", "{\"type\":\"g_counter\",\"initial_value\":10}");
    http.post("/crdt/sets/tp", "{\"type\":\"two_phase_set\"}");
    http.post("/crdt/sets/tp/add", "{\"elements\":[1,2,3]}");
    http.post("/crdt/sets/gs", "{\"type\":\"g_set\"}");
    http.post("/crdt/registers/lww", "{\"value\":\"v\"}");
    http.post("/crdt/registers/mv", "{\"type\":\"mv_register\",\"value\":\"m\"}");
  }

  @AfterAll
  void stop() {
    node.close();
  }

  static final String[] SNAPSHOT_KEYS = {
    "/crdt/counters/pn",
    "/crdt/counters/g",
    "/crdt/sets/tp",
    "/crdt/sets/gs",
    "/crdt/registers/lww",
    "/crdt/registers/mv",
    "/crdt/counters?limit=1000",
    "/crdt/sets?limit=1000",
    "/crdt/registers?limit=1000"
  };

  static Map<String, String> snapshot(TestHttp http) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String k : SNAPSHOT_KEYS) {
      m.put(k, http.get(k).text());
    }
    return m;
  }

  @BeforeEach
  void takeSnapshot() {
    before = snapshot(http);
  }

  private void assertError(TestHttp.Resp r, int status, String code) {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    assertThat(r.json()).as("a JSON error body: " + r.text()).isNotNull();
    assertThat(r.json().get("error").asText()).isEqualTo(code);
    assertThat(r.json().get("message").asText()).isNotBlank();
    assertThat(snapshot(http)).as("stored data unchanged").isEqualTo(before);
    assertThat(http.get("/health/live").status()).isEqualTo(200);
  }

  @ParameterizedTest(name = "{0} {1} <- {2}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "POST|/crdt/counters/pn/increment|{\"value\": 5|400|bad_json",
        "POST|/crdt/counters/pn/increment|{\"value\" 5}|400|bad_json",
        "POST|/crdt/counters/pn/increment|{\"value\": 5}}|400|bad_json",
        "POST|/crdt/counters/pn/increment|[5]|400|bad_json",
        "POST|/crdt/counters/pn/increment|5|400|bad_json",
        "POST|/crdt/counters/pn/increment|\"x\"|400|bad_json",
        "POST|/crdt/counters/pn/increment|{\"value\":1,\"value\":2}|400|bad_json",
        "POST|/crdt/counters/pn/increment|{\"value\":\"5\"}|400|invalid_field",
        "POST|/crdt/counters/pn/increment|{\"value\":1.5}|400|invalid_field",
        "POST|/crdt/counters/pn/increment|{\"value\":null}|400|invalid_field",
        "POST|/crdt/counters/pn/increment|{\"value\":true}|400|invalid_field",
        "POST|/crdt/counters/pn/increment|{\"value\":99999999999999999999}|400|invalid_field",
        "POST|/crdt/counters/pn/increment|{\"value\":-1}|400|invalid_amount",
        "POST|/crdt/counters/pn/decrement|{\"value\":-1}|400|invalid_amount",
        "POST|/crdt/counters/pn/increment|{\"valeu\":1}|400|unknown_field",
        "POST|/crdt/counters/new1|{\"type\":\"g_counter\",\"initial_value\":-1}|400|invalid_amount",
        "POST|/crdt/counters/new1|{\"type\":\"h_counter\"}|400|unknown_type",
        "POST|/crdt/counters/new1|{\"type\":\"or_set\"}|400|unknown_type",
        "POST|/crdt/counters/new1|{\"type\":5}|400|invalid_field",
        "POST|/crdt/sets/new1|{\"type\":\"pn_counter\"}|400|unknown_type",
        "POST|/crdt/registers/new1|{\"type\":\"lww\"}|400|unknown_type",
        "POST|/crdt/things/new1|{}|400|unknown_family",
        "GET|/crdt/things/new1||400|unknown_family",
        "GET|/crdt/things||400|unknown_family",
        "POST|/crdt/sets/tp/add|{}|400|missing_field",
        "POST|/crdt/sets/tp/add|{\"element\":null}|400|null_value",
        "POST|/crdt/sets/tp/add|{\"elements\":[1,null]}|400|null_value",
        "POST|/crdt/sets/tp/add|{\"elements\":5}|400|invalid_field",
        "POST|/crdt/sets/tp/add|{\"elements\":[]}|400|invalid_field",
        "POST|/crdt/sets/tp/add|{\"element\":1,\"elements\":[2]}|400|invalid_field",
        "POST|/crdt/registers/lww|{\"value\":null}|400|null_value",
        "POST|/crdt/registers/lww|{}|400|missing_field",
        "POST|/crdt/registers/lww|{\"value\":1,\"region\":\"mars\"}|400|unknown_region",
        "POST|/crdt/registers/lww|{\"value\":1,\"region\":7}|400|invalid_field",
        "POST|/crdt/registers/mv|{\"value\":1,\"context\":\"abc\"}|400|invalid_context",
        "POST|/crdt/registers/mv|{\"value\":1,\"context\":{\"vv\":{\"r\":-1}}}|400|invalid_context",
        "POST|/crdt/registers/mv|{\"value\":1,\"context\":{\"vv\":{},\"x\":1}}|400|invalid_context",
        "POST|/crdt/registers/mv|{\"value\":1,\"context\":{\"dots\":[[1,2]]}}|400|invalid_context",
        "POST|/crdt/counters/pn/increment|{\"consistency\":\"strong\"}|400|unknown_consistency",
        "POST|/crdt/counters/pn/increment|{\"consistency\":1}|400|invalid_field",
        "POST|/crdt/counters/pn/increment?consistency=quorum|{\"consistency\":\"all\"}|400|invalid_consistency",
        "GET|/crdt/counters?consistency=local_quorum||400|unsupported_consistency",
        "GET|/crdt/counters?consistency=quorum||400|unsupported_consistency",
        "GET|/crdt/counters?consistency=all||400|unsupported_consistency",
        "GET|/crdt/counters?consistency=strong||400|unknown_consistency",
        "GET|/crdt/counters/pn?consistency=EVENTUAL||400|unknown_consistency",
        "GET|/crdt/counters?limit=0||400|invalid_field",
        "GET|/crdt/counters?limit=x||400|invalid_field",
        "GET|/crdt/counters/missing||404|not_found",
        "POST|/crdt/counters/pn/add|{\"element\":1}|404|unknown_operation",
        "POST|/crdt/registers/lww/increment|{}|404|unknown_operation",
        "PUT|/crdt/counters/pn||405|method_not_allowed",
        "GET|/crdt/counters/pn/increment||405|method_not_allowed",
        "POST|/crdt/counters/g/decrement|{}|409|type_mismatch",
        "POST|/crdt/sets/gs/remove|{\"element\":1}|409|type_mismatch",
        "POST|/crdt/sets/pn/add|{\"element\":1}|200|-",
        "POST|/crdt/counters/|{}|400|invalid_key",
        "POST|/crdt/counters//increment|{}|400|invalid_key",
        "GET|/nowhere||404|not_found",
        "POST|/crdt/batch|{}|400|missing_field",
        "POST|/crdt/batch|{\"operations\":5}|400|invalid_field",
        "POST|/crdt/batch|{\"operations\":[]}|400|invalid_field",
        "POST|/crdt/batch|{\"operations\":[{\"family\":\"counters\",\"key\":\"pn\",\"op\":\"increment\"},5]}|400|invalid_field",
        "POST|/crdt/batch|{\"operations\":[{\"family\":\"counters\",\"key\":\"pn\",\"op\":\"increment\"},{\"family\":\"counters\",\"key\":\"pn\",\"op\":\"increment\",\"value\":-1}]}|400|invalid_amount",
        "POST|/crdt/batch|{\"operations\":[{\"family\":\"counters\",\"key\":\"pn\",\"op\":\"increment\"},{\"key\":\"pn\",\"op\":\"increment\"}]}|400|missing_field",
        "POST|/crdt/batch|{\"operations\":[{\"family\":\"counters\",\"key\":\"pn\",\"op\":\"increment\"},{\"family\":\"things\",\"key\":\"pn\",\"op\":\"increment\"}]}|400|unknown_family",
        "POST|/crdt/batch|{\"operations\":[{\"family\":\"counters\",\"key\":\"pn\",\"op\":\"increment\"},{\"family\":\"counters\",\"key\":\"\",\"op\":\"increment\"}]}|400|invalid_key",
        "POST|/crdt/batch|{\"operations\":[{\"family\":\"counters\",\"key\":\"pn\",\"op\":\"increment\"},{\"family\":\"counters\",\"key\":5,\"op\":\"increment\"}]}|400|invalid_field",
        "POST|/crdt/batch|{\"operations\":[{\"family\":\"counters\",\"key\":\"pn\",\"op\":\"increment\"},{\"family\":\"counters\",\"key\":\"pn\",\"op\":\"add\"}]}|400|unknown_operation",
        "POST|/crdt/batch|{\"operations\":[{\"family\":\"counters\",\"key\":\"pn\",\"op\":\"increment\"},{\"family\":\"counters\",\"key\":\"pn\",\"op\":\"increment\",\"valeu\":1}]}|400|unknown_field",
        "POST|/crdt/batch|{\"operations\":[{\"family\":\"counters\",\"key\":\"pn\",\"op\":\"increment\"},{\"family\":\"counters\",\"key\":\"n2\",\"op\":\"create\",\"initial_value\":3}]}|400|invalid_field",
        "POST|/crdt/batch|{\"operations\":[{\"family\":\"counters\",\"key\":\"pn\",\"op\":\"increment\"},{\"family\":\"counters\",\"key\":\"n2\",\"op\":\"create\",\"type\":\"or_set\"}]}|400|unknown_type",
        "POST|/crdt/batch|{\"operations\":[{\"family\":\"counters\",\"key\":\"pn\",\"op\":\"increment\"},{\"family\":\"sets\",\"key\":\"tp\",\"op\":\"add\",\"elements\":[]}]}|400|invalid_field",
        "POST|/crdt/batch|{\"operations\":[{\"family\":\"counters\",\"key\":\"pn\",\"op\":\"increment\"},{\"family\":\"sets\",\"key\":\"tp\",\"op\":\"add\",\"element\":null}]}|400|null_value",
        "POST|/crdt/batch|{\"operations\":[{\"family\":\"counters\",\"key\":\"pn\",\"op\":\"increment\"},{\"family\":\"registers\",\"key\":\"lww\",\"op\":\"write\"}]}|400|missing_field",
        "POST|/crdt/batch|{\"operations\":[{\"family\":\"counters\",\"key\":\"pn\",\"op\":\"increment\"},{\"family\":\"registers\",\"key\":\"lww\",\"op\":\"write\",\"value\":1,\"region\":\"us-east\"}]}|400|invalid_field",
        "POST|/crdt/batch|{\"operations\":[{\"family\":\"counters\",\"key\":\"pn\",\"op\":\"increment\"},{\"family\":\"registers\",\"key\":\"mv\",\"op\":\"write\",\"value\":1,\"context\":\"abc\"}]}|400|invalid_context",
        "POST|/crdt/batch|{\"operations\":[{\"family\":\"counters\",\"key\":\"pn\",\"op\":\"increment\"}],\"consistency\":\"strong\"}|400|unknown_consistency",
        "POST|/crdt/batch|{\"operations\":[{\"family\":\"counters\",\"key\":\"pn\",\"op\":\"increment\"}],\"extra\":1}|400|unknown_field",
        "POST|/crdt/batch|{\"operations\":[{\"family\":\"counters\",\"key\":\"pn\",\"op\":\"increment\"}]|400|bad_json",
        "GET|/crdt/batch||405|method_not_allowed",
      })
  void badRequestsAnswerAJsonErrorAndChangeNothing(
      String method, String path, String body, int status, String code) {
    TestHttp.Resp r = http.send(method, path, body, "application/x-www-form-urlencoded");
    if (status == 200) {
      assertThat(r.status()).isEqualTo(200); // sets/pn is its own namespace: not a mismatch
      http.delete("/crdt/sets/pn");
      return;
    }
    assertError(r, status, code);
  }

  @Test
  void counterOverflowIs409AndChangesNothing() {
    http.post("/crdt/counters/big", "{\"initial_value\":9223372036854775807}");
    before = snapshot(http);
    String value = http.get("/crdt/counters/big").text();
    assertError(http.post("/crdt/counters/big/increment", "{}"), 409, "counter_overflow");
    assertThat(http.get("/crdt/counters/big").text()).isEqualTo(value);
    http.delete("/crdt/counters/big");
  }

  @Test
  void aBodyOverTheLimitIs413() {
    byte[] big = new byte[(1 << 20) + 10];
    java.util.Arrays.fill(big, (byte) ' ');
    big[0] = '{';
    big[big.length - 1] = '}';
    assertError(
        http.send("POST", "/crdt/counters/pn/increment", big, null, Map.of()),
        413,
        "body_too_large");
  }

  @Test
  void tooManyElementsIs400() {
    StringBuilder b = new StringBuilder("{\"elements\":[");
    for (int i = 0; i <= 10_000; i++) {
      b.append(i == 0 ? "" : ",").append(i);
    }
    assertError(
        http.post("/crdt/sets/tp/add", b.append("]}").toString()), 400, "too_many_elements");
  }

  @Test
  void aKeyOf513BytesIs400() {
    assertError(
        http.post("/crdt/counters/" + "k".repeat(513) + "/increment", "{}"), 400, "invalid_key");
    assertError(http.get("/crdt/counters/" + "k".repeat(513)), 400, "invalid_key");
    assertError(
        http.post(
            "/crdt/batch",
            "{\"operations\":[{\"family\":\"counters\",\"key\":\"pn\",\"op\":\"increment\"},"
                + "{\"family\":\"counters\",\"key\":\""
                + "k".repeat(513)
                + "\",\"op\":\"increment\"}]}"),
        400,
        "invalid_key");
  }

  @Test
  void aBatchOverTheOperationLimitIs400AndAppliesNothing() {
    StringBuilder b = new StringBuilder("{\"operations\":[");
    for (int i = 0; i <= NodeConfig.MAX_BATCH_OPERATIONS_DEFAULT; i++) {
      b.append(i == 0 ? "" : ",")
          .append("{\"family\":\"counters\",\"key\":\"pn\",\"op\":\"increment\"}");
    }
    assertError(http.post("/crdt/batch", b.append("]}").toString()), 400, "too_many_operations");
  }

  @Test
  void malformedSessionTokensAre400() {
    for (String t :
        new String[] {"!!!", "bm90IGpzb24", "eyJ2IjoyfQ", "eyJ2IjoxLCJ2diI6eyJhIjotMX19"}) {
      assertError(
          http.send("GET", "/crdt/counters/pn", null, null, Map.of(SessionToken.HEADER, t)),
          400,
          "invalid_session");
    }
  }

  @Test
  void invalidUtf8InTheBodyIs400() {
    byte[] body = "{\"element\":\"\u00ff\"}".getBytes(StandardCharsets.ISO_8859_1);
    assertError(http.send("POST", "/crdt/sets/tp/add", body, null, Map.of()), 400, "bad_json");
  }
}
