package io.geodatastore.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Every row of API.md §3 against a real node on an ephemeral port. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DataApiTest {

  @TempDir static Path dir;
  GeodsNode node;
  TestHttp http;

  @BeforeAll
  void start() {
    node = TestNodes.start(dir);
    http = new TestHttp(node.httpPort());
  }

  @AfterAll
  void stop() {
    node.close();
  }

  private static JsonNode json(String s) {
    return CanonicalJson.parseValue(s);
  }

  @Test
  void seedCounterExampleWorksWithFormContentTypeAsCurlSendsIt() {
    String form = "application/x-www-form-urlencoded";
    var created =
        http.send(
            "POST",
            "/crdt/counters/page_views",
            "{\"type\": \"pn_counter\", \"initial_value\": 0}",
            form);
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.json())
        .isEqualTo(json("{\"key\":\"page_views\",\"type\":\"pn_counter\",\"value\":0}"));
    assertThat(
            http.send("POST", "/crdt/counters/page_views/increment", "{\"value\": 5}", form)
                .status())
        .isEqualTo(200);
    var inc = http.send("POST", "/crdt/counters/page_views/increment", "{\"value\": 3}", form);
    assertThat(inc.json().get("value").asLong()).isEqualTo(8);
    assertThat(http.get("/crdt/counters/page_views").json())
        .isEqualTo(json("{\"key\":\"page_views\",\"type\":\"pn_counter\",\"value\":8}"));
  }

  @Test
  void seedExamplesWorkWithNoContentTypeAtAll() {
    assertThat(
            http.send("POST", "/crdt/counters/metrics", "{\"type\": \"g_counter\"}", null).status())
        .isEqualTo(201);
    assertThat(http.send("POST", "/crdt/sets/tags", "{\"type\": \"or_set\"}", null).status())
        .isEqualTo(201);
    var add =
        http.send("POST", "/crdt/sets/tags/add", "{\"element\": \"distributed-systems\"}", null);
    assertThat(add.status()).isEqualTo(200);
    assertThat(add.json().get("elements")).isEqualTo(json("[\"distributed-systems\"]"));
    var reg =
        http.send(
            "POST",
            "/crdt/registers/config",
            "{\"type\": \"lww_register\", \"value\": \"production\"}",
            null);
    assertThat(reg.status()).isEqualTo(201);
    assertThat(reg.json().get("value").asText()).isEqualTo("production");
    var regional =
        http.send(
            "POST",
            "/crdt/registers/user_status",
            "{\"value\": \"online\", \"region\": \"us-east\"}",
            null);
    assertThat(regional.status()).isEqualTo(201);
    var read = http.get("/crdt/registers/user_status?consistency=eventual");
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.json().get("value").asText()).isEqualTo("online");
    assertThat(read.json().get("timestamp").isIntegralNumber()).isTrue();
  }

  @Test
  void createIsIdempotentForTheSameTypeAndConflictsForAnother() {
    assertThat(
            http.post("/crdt/counters/c1", "{\"type\":\"g_counter\",\"initial_value\":4}").status())
        .isEqualTo(201);
    var again = http.post("/crdt/counters/c1", "{\"type\":\"g_counter\",\"initial_value\":4}");
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().get("value").asLong()).as("initial value applies once").isEqualTo(4);
    var other = http.post("/crdt/counters/c1", "{\"type\":\"pn_counter\"}");
    assertThat(other.status()).isEqualTo(409);
    assertThat(other.json().get("error").asText()).isEqualTo("type_mismatch");
    assertThat(http.post("/crdt/sets/s1", "{\"type\":\"g_set\"}").status()).isEqualTo(201);
    assertThat(http.post("/crdt/sets/s1", "{\"type\":\"g_set\"}").status()).isEqualTo(200);
    assertThat(http.post("/crdt/sets/s1", "{\"type\":\"or_set\"}").status()).isEqualTo(409);
  }

  @Test
  void pnCounterTakesANegativeInitialValueAndDecrements() {
    assertThat(
            http.post("/crdt/counters/pn", "{\"type\":\"pn_counter\",\"initial_value\":-3}")
                .status())
        .isEqualTo(201);
    var dec = http.post("/crdt/counters/pn/decrement", "{\"value\":2}");
    assertThat(dec.status()).isEqualTo(200);
    assertThat(dec.json().get("value").asLong()).isEqualTo(-5);
    var inc = http.post("/crdt/counters/pn/increment", "");
    assertThat(inc.json().get("value").asLong()).as("empty body increments by 1").isEqualTo(-4);
  }

  @Test
  void gCounterRefusesDecrementWith409() {
    http.post("/crdt/counters/g", "{\"type\":\"g_counter\"}");
    var r = http.post("/crdt/counters/g/decrement", "{\"value\":1}");
    assertThat(r.status()).isEqualTo(409);
    assertThat(r.json().get("error").asText()).isEqualTo("type_mismatch");
    assertThat(http.get("/crdt/counters/g").json().get("value").asLong()).isZero();
  }

  @Test
  void writingToAMissingKeyCreatesTheFamilyDefaultType() {
    assertThat(http.post("/crdt/counters/implicit/increment", "{}").json().get("type").asText())
        .isEqualTo("pn_counter");
    assertThat(http.post("/crdt/sets/implicit/add", "{\"element\":1}").json().get("type").asText())
        .isEqualTo("or_set");
    assertThat(http.post("/crdt/registers/implicit", "{\"value\":1}").json().get("type").asText())
        .isEqualTo("lww_register");
  }

  @Test
  void setsTakeAnyJsonValueAndCanonicaliseIt() {
    var r =
        http.post(
            "/crdt/sets/json/add",
            "{\"elements\":[\"a\", 1, 1.0, 1e0, true, {\"b\":1, \"a\":[2.50]}, {\"a\":[2.5],\"b\":1}, [1,2]]}");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("size").asInt()).isEqualTo(5);
    List<String> elements = new ArrayList<>();
    r.json().get("elements").forEach(e -> elements.add(CanonicalJson.canonical(e)));
    assertThat(elements)
        .containsExactlyInAnyOrder("\"a\"", "1", "true", "{\"a\":[2.5],\"b\":1}", "[1,2]");
    var removed = http.post("/crdt/sets/json/remove", "{\"element\":{\"b\":1.0,\"a\":[2.5]}}");
    assertThat(removed.json().get("size").asInt()).isEqualTo(4);
  }

  @Test
  void gSetRefusesRemoveAndTwoPhaseSetRemovesForGood() {
    http.post("/crdt/sets/gs", "{\"type\":\"g_set\"}");
    http.post("/crdt/sets/gs/add", "{\"element\":\"x\"}");
    assertThat(http.post("/crdt/sets/gs/remove", "{\"element\":\"x\"}").status()).isEqualTo(409);
    http.post("/crdt/sets/tp", "{\"type\":\"two_phase_set\"}");
    http.post("/crdt/sets/tp/add", "{\"element\":\"x\"}");
    assertThat(http.post("/crdt/sets/tp/remove", "{\"element\":\"x\"}").json().get("size").asInt())
        .isZero();
    assertThat(http.post("/crdt/sets/tp/add", "{\"element\":\"x\"}").json().get("size").asInt())
        .as("a 2P-Set never re-adds")
        .isZero();
    var set = http.get("/crdt/sets/tp");
    assertThat(set.json())
        .isEqualTo(json("{\"key\":\"tp\",\"type\":\"two_phase_set\",\"elements\":[],\"size\":0}"));
  }

  @Test
  void lwwRegisterKeepsTheLastWrite() {
    http.post("/crdt/registers/lww", "{\"type\":\"lww_register\"}");
    var empty = http.get("/crdt/registers/lww");
    assertThat(empty.json().get("value").isNull()).isTrue();
    http.post("/crdt/registers/lww", "{\"value\":{\"v\":1}}");
    http.post("/crdt/registers/lww", "{\"value\":[true,null]}");
    var r = http.get("/crdt/registers/lww");
    assertThat(r.json().get("value")).isEqualTo(json("[true,null]"));
    assertThat(r.json().get("type").asText()).isEqualTo("lww_register");
  }

  @Test
  void mvRegisterContextReplacesExactlyWhatWasRead() {
    var c = http.post("/crdt/registers/mv", "{\"type\":\"mv_register\",\"value\":\"a\"}");
    assertThat(c.status()).isEqualTo(201);
    JsonNode ctxA = http.get("/crdt/registers/mv").json().get("context");
    // A write with an empty context is concurrent with "a": both survive as siblings.
    var sibling = http.post("/crdt/registers/mv", "{\"value\":\"b\",\"context\":{\"vv\":{}}}");
    assertThat(sibling.status()).isEqualTo(200);
    var both = http.get("/crdt/registers/mv").json();
    assertThat(both.get("values")).containsExactlyInAnyOrder(json("\"a\""), json("\"b\""));
    // Writing with the context of the first read replaces "a" only.
    var replace =
        http.post("/crdt/registers/mv", "{\"value\":\"c\",\"context\":" + ctxA.toString() + "}");
    assertThat(replace.json().get("values"))
        .containsExactlyInAnyOrder(json("\"b\""), json("\"c\""));
    // Writing with the latest context replaces everything.
    JsonNode latest = replace.json().get("context");
    var all = http.post("/crdt/registers/mv", "{\"value\":\"d\",\"context\":" + latest + "}");
    assertThat(all.json().get("values")).containsExactly(json("\"d\""));
  }

  @Test
  void deleteRemovesTheKeyAndAnUnknownKeyIs404() {
    http.post("/crdt/counters/gone/increment", "{\"value\":7}");
    var d = http.delete("/crdt/counters/gone");
    assertThat(d.status()).isEqualTo(200);
    assertThat(d.json().get("deleted").asBoolean()).isTrue();
    var r = http.get("/crdt/counters/gone");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.json().get("error").asText()).isEqualTo("not_found");
    assertThat(http.delete("/crdt/counters/gone").status()).isEqualTo(404);
    var again = http.post("/crdt/counters/gone/increment", "{}");
    assertThat(again.json().get("value").asLong()).as("a recreated key starts empty").isEqualTo(1);
  }

  @Test
  void listingPagesThroughKeysWithTheirTypes() {
    for (int i = 0; i < 5; i++) {
      http.post("/crdt/registers/page-" + i, "{\"value\":" + i + "}");
    }
    http.post("/crdt/registers/page-mv", "{\"type\":\"mv_register\"}");
    List<String> seen = new ArrayList<>();
    String after = "";
    for (int pages = 0; pages < 10; pages++) {
      var r = http.get("/crdt/registers?prefix=page-&limit=2&after=" + after);
      assertThat(r.status()).isEqualTo(200);
      r.json()
          .get("keys")
          .forEach(k -> seen.add(k.get("key").asText() + ":" + k.get("type").asText()));
      if (r.json().get("next_after").isNull()) {
        break;
      }
      after = r.json().get("next_after").asText();
    }
    assertThat(seen)
        .containsExactly(
            "page-0:lww_register",
            "page-1:lww_register",
            "page-2:lww_register",
            "page-3:lww_register",
            "page-4:lww_register",
            "page-mv:mv_register");
  }

  @Test
  void keysAreOnePercentDecodedSegmentOfUpTo512Bytes() {
    var slash = http.post("/crdt/counters/a%2Fb/increment", "{}");
    assertThat(slash.status()).isEqualTo(200);
    assertThat(slash.json().get("key").asText()).isEqualTo("a/b");
    var unicode = http.post("/crdt/counters/%C3%A9t%C3%A9-%F0%9F%93%88/increment", "{}");
    assertThat(unicode.status()).isEqualTo(200);
    assertThat(unicode.json().get("key").asText()).isEqualTo("été-📈");
    assertThat(http.get("/crdt/counters/%C3%A9t%C3%A9-%F0%9F%93%88").status()).isEqualTo(200);
    String k512 = "k".repeat(512);
    assertThat(http.post("/crdt/counters/" + k512 + "/increment", "{}").status()).isEqualTo(200);
    assertThat(http.get("/crdt/counters/" + k512).json().get("key").asText()).isEqualTo(k512);
    // 170 three-byte characters = 510 bytes, plus 2 = 512: accepted; one more byte is not.
    String multi = "%E2%82%AC".repeat(170) + "ab";
    assertThat(http.post("/crdt/counters/" + multi + "/increment", "{}").status()).isEqualTo(200);
    assertThat(http.post("/crdt/counters/" + multi + "c/increment", "{}").status()).isEqualTo(400);
  }

  @Test
  void everyDataResponseCarriesASessionTokenThatGrowsAndIsAcceptedBack() {
    var w = http.post("/crdt/counters/sess/increment", "{}");
    String token = w.header(SessionToken.HEADER);
    assertThat(token).isNotBlank();
    var r = http.send("GET", "/crdt/counters/sess", null, null, Map.of(SessionToken.HEADER, token));
    assertThat(r.status()).isEqualTo(200);
    SessionToken t1 = SessionToken.decode(token);
    SessionToken t2 = SessionToken.decode(r.header(SessionToken.HEADER));
    String replica = node.store().replicaId().value();
    assertThat(t2.vector().get(replica)).isGreaterThanOrEqualTo(t1.vector().get(replica));
    assertThat(http.get("/crdt/counters").header(SessionToken.HEADER)).isNotBlank();
  }

  @Test
  void explicitEventualConsistencyIsServedInQueryAndBody() {
    assertThat(http.post("/crdt/counters/ev/increment?consistency=eventual", "{}").status())
        .isEqualTo(200);
    assertThat(http.post("/crdt/counters/ev/increment", "{\"consistency\":\"eventual\"}").status())
        .isEqualTo(200);
    assertThat(http.get("/crdt/counters/ev?consistency=eventual").json().get("value").asLong())
        .isEqualTo(2);
  }

  @Test
  void aNodeAloneServesEveryReadLevel() {
    http.post("/crdt/counters/levels/increment", "{\"value\":3}");
    for (String level : new String[] {"session", "causal", "local_quorum", "quorum", "all"}) {
      var r = http.get("/crdt/counters/levels?consistency=" + level);
      assertThat(r.status()).as(level + ": " + r.text()).isEqualTo(200);
      assertThat(r.json().get("value").asLong()).isEqualTo(3);
      assertThat(r.header(SessionToken.HEADER)).isNotBlank();
      assertThat(http.get("/crdt/counters/nope?consistency=" + level).status()).isEqualTo(404);
    }
    assertThat(http.get("/crdt/counters?consistency=session").status()).isEqualTo(200);
    assertThat(http.get("/crdt/counters?consistency=causal").status()).isEqualTo(200);
  }

  @Test
  void aSessionReadWhoseTokenNamesWritesNoReplicaHasAnswers503AndEchoesTheToken() {
    http.post("/crdt/counters/gone/increment", "{}");
    String token = new SessionToken(Map.of("elsewhere-1.0a0b0c0d", 5L)).encode();
    var r =
        http.send(
            "GET",
            "/crdt/counters/gone?consistency=session",
            null,
            null,
            Map.of(SessionToken.HEADER, token));
    assertThat(r.status()).as(r.text()).isEqualTo(503);
    assertThat(r.json().get("error").asText()).isEqualTo("consistency_unavailable");
    assertThat(r.json().get("message").asText())
        .contains("'session'")
        .contains("elsewhere-1.0a0b0c0d through 5");
    assertThat(r.header(SessionToken.HEADER)).isEqualTo(token);
    // The same token at eventual is served at once, and the token only grows.
    var e = http.send("GET", "/crdt/counters/gone", null, null, Map.of(SessionToken.HEADER, token));
    assertThat(e.status()).isEqualTo(200);
    assertThat(SessionToken.decode(e.header(SessionToken.HEADER)).vector())
        .containsEntry("elsewhere-1.0a0b0c0d", 5L);
  }

  @Test
  void servesHttp2CleartextToo() {
    TestHttp h2 = new TestHttp(node.httpPort(), HttpClient.Version.HTTP_2);
    assertThat(h2.post("/crdt/counters/h2/increment", "{\"value\":2}").status()).isEqualTo(200);
    assertThat(h2.get("/crdt/counters/h2").json().get("value").asLong()).isEqualTo(2);
  }

  @Test
  void largeBatchesUpToTheElementLimitAreAccepted() {
    StringBuilder b = new StringBuilder("{\"elements\":[");
    for (int i = 0; i < 10_000; i++) {
      b.append(i == 0 ? "" : ",").append(i);
    }
    b.append("]}");
    var r = http.post("/crdt/sets/big/add", b.toString());
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("size").asInt()).isEqualTo(10_000);
  }
}
