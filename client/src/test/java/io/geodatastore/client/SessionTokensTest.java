package io.geodatastore.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SessionTokensTest {

  static String token(String json) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  static String json(String token) {
    return new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
  }

  @Test
  void concurrentAnswersFromTwoNodesAreJoinedEntryByEntry() {
    String a = token("{\"v\":1,\"vv\":{\"a.1\":5,\"b.2\":1}}");
    String b = token("{\"v\":1,\"vv\":{\"b.2\":3,\"c.3\":7}}");
    assertThat(json(SessionTokens.join(a, b)))
        .isEqualTo("{\"v\":1,\"vv\":{\"a.1\":5,\"b.2\":3,\"c.3\":7}}");
    assertThat(json(SessionTokens.join(b, a)))
        .isEqualTo("{\"v\":1,\"vv\":{\"a.1\":5,\"b.2\":3,\"c.3\":7}}");
  }

  @Test
  void aTokenThatAlreadyHoldsEverythingIsKeptAsReceived() {
    String older = token("{\"v\":1,\"vv\":{\"a.1\":5}}");
    String newer = token("{\"v\":1,\"vv\":{\"a.1\":6}}");
    assertThat(SessionTokens.join(older, newer)).isSameAs(newer);
    assertThat(SessionTokens.join(null, newer)).isSameAs(newer);
  }

  @Test
  void aTokenOfAnotherVersionReplacesTheHeldOne() {
    String held = token("{\"v\":1,\"vv\":{\"a.1\":5}}");
    String v2 = token("{\"v\":2,\"something\":\"else\"}");
    assertThat(SessionTokens.join(held, v2)).isSameAs(v2);
    assertThat(SessionTokens.join(held, "not base64 !")).isEqualTo("not base64 !");
  }
}
