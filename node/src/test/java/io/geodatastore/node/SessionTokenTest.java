package io.geodatastore.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SessionTokenTest {

  /** The token as the JSON tree wrote it before encoding was done by hand. */
  private static String viaTree(Map<String, Long> vector) {
    ObjectNode o = CanonicalJson.MAPPER.createObjectNode();
    o.put("v", 1);
    ObjectNode vv = o.putObject("vv");
    new TreeMap<>(vector).forEach(vv::put);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(CanonicalJson.bytes(o));
  }

  @Test
  void encodesTheSameTextAsTheJsonTree() {
    Map<String, Long> vector =
        Map.of("node-b", 7L, "node-a", Long.MAX_VALUE, "q\"uote\\d", 0L, "ünï/cödé", 42L);
    SessionToken t = new SessionToken(vector);

    assertThat(t.encode()).isEqualTo(viaTree(vector));
    assertThat(SessionToken.EMPTY.encode()).isEqualTo(viaTree(Map.of()));
    assertThat(
            new String(
                Base64.getUrlDecoder().decode(SessionToken.EMPTY.encode()), StandardCharsets.UTF_8))
        .isEqualTo("{\"v\":1,\"vv\":{}}");
  }

  @Test
  void decodesWhatItEncodes() {
    SessionToken t = new SessionToken(Map.of("node-b", 7L, "node-a", 3L, "q\"uote\\d", 1L));

    assertThat(SessionToken.decode(t.encode())).isEqualTo(t);
  }
}
