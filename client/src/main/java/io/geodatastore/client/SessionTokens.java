package io.geodatastore.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * Joins session tokens, so that a client whose requests run concurrently keeps everything its
 * answers showed (the last answer to arrive need not be the one that saw the most). A token is
 * base64url of {@code {"v":1,"vv":{"<replica id>":<sequence>,…}}} (docs/api.md); the join takes
 * each replica's highest sequence. A token of another version is taken as it is: the newest wins,
 * as before the join.
 */
final class SessionTokens {

  private static final ObjectMapper JSON = new ObjectMapper();

  private SessionTokens() {}

  /** The join of {@code held} (null: none yet) and {@code received}. */
  static String join(String held, String received) {
    if (held == null || held.equals(received)) {
      return received;
    }
    Map<String, Long> a = vector(held);
    Map<String, Long> b = vector(received);
    if (a == null || b == null) {
      return received;
    }
    Map<String, Long> m = new TreeMap<>(a);
    b.forEach((replica, seq) -> m.merge(replica, seq, Math::max));
    if (m.equals(b)) {
      return received;
    }
    ObjectNode o = JSON.createObjectNode();
    o.put("v", 1);
    ObjectNode vv = o.putObject("vv");
    m.forEach(vv::put);
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(o.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** A version 1 token's vector, or null for anything else. */
  private static Map<String, Long> vector(String token) {
    try {
      JsonNode n = JSON.readTree(Base64.getUrlDecoder().decode(token.strip()));
      if (n == null || n.path("v").asInt() != 1 || !n.path("vv").isObject()) {
        return null;
      }
      Map<String, Long> m = new TreeMap<>();
      for (Map.Entry<String, JsonNode> e : n.get("vv").properties()) {
        if (!e.getValue().canConvertToLong()) {
          return null;
        }
        m.put(e.getKey(), e.getValue().longValue());
      }
      return m;
    } catch (IOException | IllegalArgumentException e) {
      return null;
    }
  }
}
