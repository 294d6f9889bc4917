package io.geodatastore.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A client of one geodatastore node's HTTP API (see docs/api.md). Thread-safe.
 *
 * <p>A client is one session: it joins the {@code X-Geo-Session} token of every answer into the one
 * it holds and sends that back with every request, which gives read-your-writes and monotonic reads
 * at the {@code session} and {@code causal} levels even when requests go to different nodes through
 * {@link #withBaseUrl}, concurrently or not.
 *
 * <pre>{@code
 * try (GeoClient c = GeoClient.connect("http://localhost:8080")) {
 *   c.counters().increment("page_views", 5);
 *   long v = c.counters().get("page_views").orElseThrow().value();
 * }
 * }</pre>
 */
public final class GeoClient implements AutoCloseable {

  /** The session header. */
  public static final String SESSION_HEADER = "X-Geo-Session";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final boolean ownsHttp;
  private final URI base;
  private final Duration timeout;
  private final AtomicReference<String> session;

  private GeoClient(
      HttpClient http,
      boolean ownsHttp,
      URI base,
      Duration timeout,
      AtomicReference<String> session) {
    this.http = http;
    this.ownsHttp = ownsHttp;
    this.base = base;
    this.timeout = timeout;
    this.session = session;
  }

  /** A client of the node at {@code baseUrl} (e.g. {@code http://localhost:8080}). */
  public static GeoClient connect(String baseUrl) {
    return connect(baseUrl, Duration.ofSeconds(10));
  }

  /** A client whose requests time out after {@code timeout}. */
  public static GeoClient connect(String baseUrl, Duration timeout) {
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(timeout)
            .build();
    return new GeoClient(http, true, baseUri(baseUrl), timeout, new AtomicReference<>());
  }

  /** A client of another node that shares this client's session (and connection pool). */
  public GeoClient withBaseUrl(String baseUrl) {
    return new GeoClient(http, false, baseUri(baseUrl), timeout, session);
  }

  private static URI baseUri(String baseUrl) {
    String s = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    return URI.create(s);
  }

  /** The session token of the latest answer, or null before the first. */
  public String sessionToken() {
    return session.get();
  }

  /** Replaces the session token (e.g. one handed over from another client). */
  public void sessionToken(String token) {
    session.set(token);
  }

  public Counters counters() {
    return new Counters();
  }

  public Sets sets() {
    return new Sets();
  }

  public Registers registers() {
    return new Registers();
  }

  public Admin admin() {
    return new Admin();
  }

  /** A batch of writes, sent as one request ({@code POST /crdt/batch}) by {@link Batch#send}. */
  public Batch batch() {
    return new Batch();
  }

  /** Deletes a key of {@code family} ({@code counters}, {@code sets}, {@code registers}). */
  public void delete(String family, String key) {
    send("DELETE", "/crdt/" + family + "/" + PathSegments.encode(key), null);
  }

  /** A page of the keys of {@code family} whose names start with {@code prefix}. */
  public Values.KeyPage list(String family, String prefix, String after, int limit) {
    StringBuilder q = new StringBuilder("/crdt/").append(family).append("?limit=").append(limit);
    if (prefix != null && !prefix.isEmpty()) {
      q.append("&prefix=").append(PathSegments.encode(prefix));
    }
    if (after != null) {
      q.append("&after=").append(PathSegments.encode(after));
    }
    JsonNode page = send("GET", q.toString(), null).body();
    List<Values.KeyEntry> keys = new ArrayList<>();
    for (JsonNode k : page.path("keys")) {
      keys.add(new Values.KeyEntry(k.path("key").asText(), k.path("type").asText()));
    }
    JsonNode next = page.path("next_after");
    return new Values.KeyPage(keys, next.isTextual() ? next.asText() : null);
  }

  // ---- families ----

  /** Counter operations. */
  public final class Counters {
    /** Creates a counter of {@code type} ({@code g_counter} or {@code pn_counter}). */
    public Values.Counter create(String key, String type, long initialValue) {
      ObjectNode body =
          JSON.createObjectNode().put("type", type).put("initial_value", initialValue);
      send("POST", path("counters", key), body);
      return get(key).orElseThrow();
    }

    public Values.Counter increment(String key, long amount) {
      return increment(key, amount, Consistency.EVENTUAL);
    }

    public Values.Counter increment(String key, long amount, Consistency level) {
      return counter(
          send("POST", path("counters", key) + "/increment", amountBody(amount, level)).body());
    }

    public Values.Counter decrement(String key, long amount) {
      return decrement(key, amount, Consistency.EVENTUAL);
    }

    public Values.Counter decrement(String key, long amount, Consistency level) {
      return counter(
          send("POST", path("counters", key) + "/decrement", amountBody(amount, level)).body());
    }

    public Optional<Values.Counter> get(String key) {
      return get(key, Consistency.EVENTUAL);
    }

    public Optional<Values.Counter> get(String key, Consistency level) {
      return read(path("counters", key), level).map(GeoClient::counter);
    }
  }

  /** Set operations. Elements are any JSON-serialisable Java values (or JsonNodes). */
  public final class Sets {
    /** Creates a set of {@code type} ({@code g_set}, {@code two_phase_set} or {@code or_set}). */
    public void create(String key, String type) {
      send("POST", path("sets", key), JSON.createObjectNode().put("type", type));
    }

    public Values.Set add(String key, Object... elements) {
      return set(send("POST", path("sets", key) + "/add", elementsBody(elements)).body());
    }

    public Values.Set remove(String key, Object... elements) {
      return set(send("POST", path("sets", key) + "/remove", elementsBody(elements)).body());
    }

    public Optional<Values.Set> get(String key) {
      return get(key, Consistency.EVENTUAL);
    }

    public Optional<Values.Set> get(String key, Consistency level) {
      return read(path("sets", key), level).map(GeoClient::set);
    }
  }

  /** Register operations. */
  public final class Registers {
    /** Creates a register of {@code type} with an optional first {@code value} (null: none). */
    public void create(String key, String type, Object value) {
      ObjectNode body = JSON.createObjectNode().put("type", type);
      if (value != null) {
        body.set("value", JSON.valueToTree(value));
      }
      send("POST", path("registers", key), body);
    }

    /** Writes {@code value}; {@code context} is an MV read's context (or null). */
    public Values.Register write(String key, Object value, JsonNode context) {
      return write(key, value, context, null, Consistency.EVENTUAL);
    }

    /** Writes {@code value} in {@code region} (null: this node's) at {@code level}. */
    public Values.Register write(
        String key, Object value, JsonNode context, String region, Consistency level) {
      ObjectNode body = JSON.createObjectNode();
      body.set("value", JSON.valueToTree(value));
      if (context != null) {
        body.set("context", context);
      }
      if (region != null) {
        body.put("region", region);
      }
      body.put("consistency", level.apiName());
      JsonNode answer = send("POST", path("registers", key), body).body();
      return answer.has("type") ? register(answer) : get(key).orElseThrow();
    }

    public Optional<Values.Register> get(String key) {
      return get(key, Consistency.EVENTUAL);
    }

    public Optional<Values.Register> get(String key, Consistency level) {
      return read(path("registers", key), level).map(GeoClient::register);
    }
  }

  /**
   * Writes collected and sent as one request. Each is applied as if sent alone, those on one key in
   * the order added; {@link #send} answers one result per write, in order. A write the node refuses
   * (a type mismatch, say) is a failed result, not an exception, and does not stop the others; a
   * malformed one makes the node refuse the whole batch before applying any.
   */
  public final class Batch {
    private final ArrayNode operations = JSON.createArrayNode();

    private Batch() {}

    private ObjectNode op(String family, String key, String op) {
      return operations.addObject().put("family", family).put("key", key).put("op", op);
    }

    public Batch increment(String key, long amount) {
      op("counters", key, "increment").put("value", amount);
      return this;
    }

    public Batch decrement(String key, long amount) {
      op("counters", key, "decrement").put("value", amount);
      return this;
    }

    public Batch add(String key, Object... elements) {
      op("sets", key, "add").setAll(elementsBody(elements));
      return this;
    }

    public Batch remove(String key, Object... elements) {
      op("sets", key, "remove").setAll(elementsBody(elements));
      return this;
    }

    /** Writes register {@code key}; {@code context} is an MV read's context (or null). */
    public Batch write(String key, Object value, JsonNode context) {
      ObjectNode o = op("registers", key, "write");
      o.set("value", JSON.valueToTree(value));
      if (context != null) {
        o.set("context", context);
      }
      return this;
    }

    /** Creates {@code key} of {@code family} with {@code type} (a register without a value). */
    public Batch create(String family, String key, String type) {
      op(family, key, "create").put("type", type);
      return this;
    }

    public Batch delete(String family, String key) {
      op(family, key, "delete");
      return this;
    }

    /** The writes added so far. */
    public int size() {
      return operations.size();
    }

    public Values.BatchResult send() {
      return send(Consistency.EVENTUAL);
    }

    /** Sends the batch; {@code level} applies to all of it. */
    public Values.BatchResult send(Consistency level) {
      ObjectNode body = JSON.createObjectNode().put("consistency", level.apiName());
      body.set("operations", operations);
      JsonNode answer = GeoClient.this.send("POST", "/crdt/batch", body).body();
      List<Values.BatchItem> items = new ArrayList<>();
      for (JsonNode r : answer.path("results")) {
        items.add(new Values.BatchItem(r.path("status").asInt(), r));
      }
      return new Values.BatchResult(items, answer.path("failed").asInt());
    }
  }

  /** Administration, health, metrics and fault injection. */
  public final class Admin {
    public JsonNode status() {
      return send("GET", "/admin/status", null).body();
    }

    public JsonNode replicationLag() {
      return send("GET", "/admin/replication/lag", null).body();
    }

    /** Starts a full anti-entropy sync; answers the job ({@code {"id",…}}). */
    public JsonNode fullSync() {
      return send("POST", "/admin/anti-entropy/full-sync", null).body();
    }

    public JsonNode job(String id) {
      return send("GET", "/admin/anti-entropy/jobs/" + PathSegments.encode(id), null).body();
    }

    public JsonNode syncRegion(String region) {
      return send("POST", "/admin/sync/regions/" + PathSegments.encode(region), null).body();
    }

    public JsonNode conflicts(String key, int limit) {
      String q = "/admin/conflicts?limit=" + limit;
      if (key != null) {
        q += "&key=" + PathSegments.encode(key);
      }
      return send("GET", q, null).body();
    }

    /** The Prometheus text of {@code /metrics}. */
    public String metrics() {
      return sendRaw("GET", "/metrics", null).text();
    }

    public boolean live() {
      return probe("/health/live");
    }

    public boolean ready() {
      return probe("/health/ready");
    }

    private boolean probe(String path) {
      try {
        return sendRaw("GET", path, null).status() == 200;
      } catch (GeoClientException e) {
        return false;
      }
    }

    /** Cuts this node off from the given regions (fault injection). */
    public void partitionRegions(String... regions) {
      ObjectNode body = JSON.createObjectNode();
      ArrayNode a = body.putArray("isolate");
      for (String r : regions) {
        a.add(r);
      }
      send("POST", "/admin/faults/partition", body);
    }

    /** Cuts this node off from the given nodes (fault injection). */
    public void partitionNodes(String... nodes) {
      ObjectNode body = JSON.createObjectNode();
      ArrayNode a = body.putArray("nodes");
      for (String n : nodes) {
        a.add(n);
      }
      send("POST", "/admin/faults/partition", body);
    }

    /** Delays messages towards {@code region} (fault injection). */
    public void latency(String region, long ms, long jitterMs) {
      ObjectNode body =
          JSON.createObjectNode().put("region", region).put("ms", ms).put("jitter_ms", jitterMs);
      send("POST", "/admin/faults/latency", body);
    }

    /** Skews this node's wall clock (fault injection). */
    public void clockOffset(long offsetMs) {
      send("POST", "/admin/faults/clock", JSON.createObjectNode().put("offset_ms", offsetMs));
    }

    /** Heals every injected fault. */
    public void heal() {
      send("DELETE", "/admin/faults", null);
    }
  }

  // ---- decoding ----

  private static Values.Counter counter(JsonNode n) {
    return new Values.Counter(
        n.path("key").asText(), n.path("type").asText(), n.path("value").asLong());
  }

  private static Values.Set set(JsonNode n) {
    List<JsonNode> elements = new ArrayList<>();
    n.path("elements").forEach(elements::add);
    return new Values.Set(
        n.path("key").asText(),
        n.path("type").asText(),
        elements,
        n.path("size").asInt(elements.size()));
  }

  private static Values.Register register(JsonNode n) {
    List<JsonNode> values = new ArrayList<>();
    n.path("values").forEach(values::add);
    return new Values.Register(
        n.path("key").asText(),
        n.path("type").asText(),
        n.get("value"),
        n.get("timestamp"),
        values,
        n.get("context"));
  }

  private static ObjectNode amountBody(long amount, Consistency level) {
    return JSON.createObjectNode().put("value", amount).put("consistency", level.apiName());
  }

  private static ObjectNode elementsBody(Object... elements) {
    ObjectNode body = JSON.createObjectNode();
    ArrayNode a = body.putArray("elements");
    for (Object e : elements) {
      a.add(JSON.valueToTree(e) instanceof JsonNode j ? j : JSON.nullNode());
    }
    return body;
  }

  private static String path(String family, String key) {
    return "/crdt/" + family + "/" + PathSegments.encode(key);
  }

  // ---- transport ----

  private record Answer(int status, JsonNode body, String text) {}

  private Optional<JsonNode> read(String path, Consistency level) {
    try {
      return Optional.of(send("GET", path + "?consistency=" + level.apiName(), null).body());
    } catch (GeoClientException e) {
      if (e.status() == 404) {
        return Optional.empty();
      }
      throw e;
    }
  }

  private Answer send(String method, String pathAndQuery, JsonNode body) {
    Answer a = sendRaw(method, pathAndQuery, body);
    JsonNode json;
    try {
      json = a.text().isEmpty() ? JSON.createObjectNode() : JSON.readTree(a.text());
    } catch (JsonProcessingException e) {
      throw new GeoClientException(a.status(), "bad_response", "not JSON: " + abbreviate(a.text()));
    }
    if (a.status() >= 400) {
      throw new GeoClientException(
          a.status(),
          json.path("error").asText("http_" + a.status()),
          json.path("message").asText(a.text()));
    }
    return new Answer(a.status(), json, a.text());
  }

  private Answer sendRaw(String method, String pathAndQuery, JsonNode body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + pathAndQuery))
            .timeout(timeout)
            .header("Accept", "application/json");
    String token = session.get();
    if (token != null) {
      b.header(SESSION_HEADER, token);
    }
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json");
      b.method(
          method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
    }
    HttpResponse<String> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new GeoClientException(method + " " + pathAndQuery + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GeoClientException(method + " " + pathAndQuery + " interrupted", e);
    }
    r.headers()
        .firstValue(SESSION_HEADER)
        .ifPresent(t -> session.accumulateAndGet(t, SessionTokens::join));
    return new Answer(r.statusCode(), null, Objects.requireNonNullElse(r.body(), ""));
  }

  private static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "…";
  }

  @Override
  public void close() {
    if (ownsHttp) {
      http.close();
    }
  }
}
