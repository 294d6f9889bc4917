package io.geodatastore.node;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code X-Geo-Session} token: what a client's session has seen, as a version vector over
 * origin replicas (replica id → the highest replication sequence of that origin the session's
 * responses reflected).
 *
 * <p>Encoding (version 1): base64url without padding of the JSON {@code {"v":1,"vv":{"<replica
 * id>":<sequence>,…}}}. Clients treat it as opaque and send back the last one they received; the
 * node answers with the join of what the client sent and what the response reflects, so a token
 * only grows.
 */
public record SessionToken(Map<String, Long> vector) {

  /** The header that carries the token. */
  public static final String HEADER = "x-geo-session";

  /** The most origins a token may name. */
  public static final int ORIGINS_MAX = 1024;

  /** The longest token accepted, in characters. */
  public static final int LENGTH_MAX = 64 * 1024;

  public static final SessionToken EMPTY = new SessionToken(Map.of());

  public SessionToken {
    vector = Map.copyOf(vector);
  }

  /** This token joined with {@code replica} having reached {@code sequence}. */
  public SessionToken with(ReplicaId replica, long sequence) {
    Long have = vector.get(replica.value());
    if (have != null && have >= sequence) {
      return this;
    }
    Map<String, Long> m = new TreeMap<>(vector);
    m.put(replica.value(), sequence);
    return new SessionToken(m);
  }

  /** This token joined with {@code seen} (entry-wise maximum). */
  public SessionToken join(VersionVector seen) {
    if (seen.isEmpty()) {
      return this;
    }
    Map<String, Long> m = new TreeMap<>(vector);
    seen.forEach((replica, seq) -> m.merge(replica.value(), seq, Math::max));
    if (m.size() > ORIGINS_MAX) {
      // Never issue a token this node would refuse. Leaving entries out weakens the session's
      // guarantee for those origins only; a cluster accumulates far fewer replica ids than this.
      while (m.size() > ORIGINS_MAX) {
        m.remove(((TreeMap<String, Long>) m).lastKey());
      }
    }
    return m.equals(vector) ? this : new SessionToken(m);
  }

  /** The token as a version vector over replica ids. */
  public VersionVector toVersionVector() {
    Map<ReplicaId, Long> m = new TreeMap<>();
    vector.forEach((replica, seq) -> m.put(ReplicaId.of(replica), seq));
    return VersionVector.of(m);
  }

  /**
   * The token's text. Written by hand rather than through a JSON tree: every answer carries one,
   * and the tree cost a measurable share of a small write's CPU. The JSON is the same, replica ids
   * in order.
   */
  public String encode() {
    String[] replicas = vector.keySet().toArray(new String[0]);
    Arrays.sort(replicas);
    StringBuilder json = new StringBuilder(16 + 32 * replicas.length).append("{\"v\":1,\"vv\":{");
    for (int i = 0; i < replicas.length; i++) {
      if (i > 0) {
        json.append(',');
      }
      json.append('"');
      JSON_STRINGS.quoteAsString(replicas[i], json);
      json.append("\":").append(vector.get(replicas[i]).longValue());
    }
    json.append("}}");
    return BASE64.encodeToString(json.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static final JsonStringEncoder JSON_STRINGS = JsonStringEncoder.getInstance();
  private static final Base64.Encoder BASE64 = Base64.getUrlEncoder().withoutPadding();

  /**
   * Decodes a token a client sent; null or empty gives {@link #EMPTY}.
   *
   * @throws ApiError 400 {@code invalid_session} when it is not a token this node issued
   */
  public static SessionToken decode(String header) {
    if (header == null || header.isBlank()) {
      return EMPTY;
    }
    if (header.length() > LENGTH_MAX) {
      throw invalid("it is longer than " + LENGTH_MAX + " characters");
    }
    JsonNode n;
    try {
      byte[] json = Base64.getUrlDecoder().decode(header.strip());
      n = CanonicalJson.MAPPER.readTree(new String(json, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException | IOException e) {
      throw invalid("it is not base64url-encoded JSON");
    }
    if (n == null || !n.isObject() || !n.path("v").isInt() || n.path("v").intValue() != 1) {
      throw invalid("it is not a version 1 token");
    }
    JsonNode vv = n.get("vv");
    if (vv == null || !vv.isObject() || vv.size() > ORIGINS_MAX) {
      throw invalid("its vector is missing or too large");
    }
    Map<String, Long> m = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = vv.properties().iterator(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode seq = e.getValue();
      if (!seq.canConvertToExactIntegral() || !seq.canConvertToLong() || seq.longValue() < 0) {
        throw invalid("a sequence number is not a whole number 0 or more");
      }
      try {
        ReplicaId.of(e.getKey());
      } catch (IllegalArgumentException ex) {
        throw invalid("a replica id is malformed");
      }
      m.put(e.getKey(), seq.longValue());
    }
    return new SessionToken(m);
  }

  private static ApiError invalid(String why) {
    return ApiError.badRequest(
        "invalid_session",
        "the "
            + HEADER
            + " header is not a session token this service issued ("
            + why
            + "); send back the header of an earlier response verbatim, or omit it");
  }
}
