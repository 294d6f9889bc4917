package io.geodatastore.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.geodatastore.client.Consistency;
import io.geodatastore.client.GeoClient;
import io.geodatastore.client.GeoClientException;
import io.geodatastore.client.Values;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data and admin API through the project's own Java client against a real node: every
 * well-formed row of API.md §3 and §5 (the malformed ones, which a typed client cannot send, are in
 * BadInputTest and FuzzTest).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientApiTest {

  @TempDir static Path dir;
  GeodsNode node;
  GeoClient client;

  @BeforeAll
  void start() {
    node = TestNodes.start(dir);
    client = GeoClient.connect("http://127.0.0.1:" + node.httpPort());
  }

  @AfterAll
  void stop() {
    client.close();
    node.close();
  }

  @Test
  void countersOfBothTypesThroughTheClient() {
    assertThat(client.counters().create("views", "pn_counter", 10).value()).isEqualTo(10);
    client.counters().increment("views", 5);
    assertThat(client.counters().decrement("views", 3).value()).isEqualTo(12);
    assertThat(client.counters().get("views"))
        .contains(new Values.Counter("views", "pn_counter", 12));
    client.counters().create("hits", "g_counter", 0);
    assertThatThrownBy(() -> client.counters().decrement("hits", 1))
        .isInstanceOfSatisfying(
            GeoClientException.class, e -> assertThat(e.status()).isEqualTo(409));
    assertThat(client.counters().increment("implicit", 1).type())
        .as("a write to a missing key creates the family's default type")
        .isEqualTo("pn_counter");
    assertThat(client.counters().get("never-written")).isEmpty();
  }

  @Test
  void setsTakeAnyJsonElementsThroughTheClient() {
    client.sets().create("tags", "or_set");
    Values.Set s = client.sets().add("tags", "crdt", 42, true, Map.of("k", List.of(1, 2)));
    assertThat(s.size()).isEqualTo(4);
    s = client.sets().remove("tags", 42);
    assertThat(s.size()).isEqualTo(3);
    assertThat(s.strings()).containsExactly("crdt");
    client.sets().create("once", "two_phase_set");
    client.sets().add("once", "x");
    client.sets().remove("once", "x");
    assertThat(client.sets().add("once", "x").size())
        .as("a two_phase_set element that was removed never returns")
        .isZero();
  }

  @Test
  void registersLwwAndMvWithContextThroughTheClient() {
    client.registers().create("config", "lww_register", "production");
    Values.Register lww = client.registers().get("config").orElseThrow();
    assertThat(lww.value().asText()).isEqualTo("production");
    assertThat(lww.timestamp()).isNotNull();

    client.registers().create("status", "mv_register", "online");
    Values.Register mv = client.registers().get("status").orElseThrow();
    assertThat(mv.values()).hasSize(1);
    client.registers().write("status", "away", mv.context());
    Values.Register after = client.registers().get("status").orElseThrow();
    assertThat(after.values()).extracting(v -> v.asText()).containsExactly("away");
  }

  @Test
  void listingPagesAndDeleteThroughTheClient() {
    for (int i = 0; i < 5; i++) {
      client.counters().increment("page-" + i, 1);
    }
    Values.KeyPage first = client.list("counters", "page-", null, 3);
    assertThat(first.keys())
        .extracting(Values.KeyEntry::key)
        .containsExactly("page-0", "page-1", "page-2");
    Values.KeyPage second = client.list("counters", "page-", first.nextAfter(), 3);
    assertThat(second.keys()).extracting(Values.KeyEntry::key).containsExactly("page-3", "page-4");
    client.delete("counters", "page-0");
    assertThat(client.counters().get("page-0")).isEmpty();
    assertThatThrownBy(() -> client.delete("counters", "page-0"))
        .isInstanceOfSatisfying(
            GeoClientException.class, e -> assertThat(e.status()).isEqualTo(404));
  }

  @Test
  void batchesOfEveryKindOfWriteThroughTheClient() {
    client.counters().create("batch-g", "g_counter", 0);
    Values.BatchResult r =
        client
            .batch()
            .increment("batch-c", 4)
            .decrement("batch-c", 1)
            .decrement("batch-g", 1) // a g_counter cannot: this one fails alone
            .add("batch-s", "a", 2, Map.of("k", true))
            .remove("batch-s", 2)
            .create("registers", "batch-mv", "mv_register")
            .write("batch-r", List.of(1, 2), null)
            .delete("counters", "batch-g")
            .send(Consistency.QUORUM);
    assertThat(r.results()).hasSize(8);
    assertThat(r.failed()).isEqualTo(1);
    assertThat(r.results().get(1).body().get("value").asLong()).isEqualTo(3);
    assertThat(r.results().get(2).error()).isEqualTo("type_mismatch");
    assertThat(r.results().get(4).body().get("size").asInt()).isEqualTo(2);
    assertThat(r.results().get(5).status()).isEqualTo(201);
    assertThat(r.results().get(7).ok()).isTrue();
    assertThat(client.counters().get("batch-c").orElseThrow().value()).isEqualTo(3);
    assertThat(client.registers().get("batch-r").orElseThrow().value().toString())
        .isEqualTo("[1,2]");
    assertThat(client.counters().get("batch-g")).isEmpty();
    assertThatThrownBy(() -> client.batch().increment("batch-c", -1).send())
        .isInstanceOfSatisfying(
            GeoClientException.class, e -> assertThat(e.error()).isEqualTo("invalid_amount"));
    assertThat(client.counters().get("batch-c").orElseThrow().value()).isEqualTo(3);
  }

  @Test
  void theSessionTokenIsCarriedAndOnlyGrows() {
    client.counters().increment("session-key", 1);
    String first = client.sessionToken();
    assertThat(first).isNotBlank();
    client.counters().increment("session-key", 1);
    String second = client.sessionToken();
    assertThat(second).isNotEqualTo(first);
    assertThat(client.counters().get("session-key", Consistency.EVENTUAL).orElseThrow().value())
        .isEqualTo(2);
  }

  @Test
  void adminHealthStatusAndMetricsThroughTheClient() throws Exception {
    assertThat(client.admin().live()).isTrue();
    assertThat(client.admin().ready()).isTrue();
    var status = client.admin().status();
    assertThat(status.toString()).contains("\"members\"");
    assertThat(client.admin().metrics()).contains("geodatastore_operations_total");
    assertThat(new ObjectMapper().readTree(client.admin().conflicts(null, 10).toString()))
        .isNotNull();
  }
}
