package io.geodatastore.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CanonicalJsonTest {

  private static String canon(String json) {
    return CanonicalJson.canonical(
        CanonicalJson.parseBody(("{\"v\":" + json + "}").getBytes(StandardCharsets.UTF_8))
            .get("v"));
  }

  @Test
  void equalJsonValuesHaveEqualText() {
    assertThat(canon("{ \"b\" : 1, \"a\" : [1.50, \"x\"] }"))
        .isEqualTo("{\"a\":[1.5,\"x\"],\"b\":1}");
    assertThat(canon("1")).isEqualTo(canon("1.0")).isEqualTo(canon("1e0")).isEqualTo("1");
    assertThat(canon("-0.0")).isEqualTo("0");
    assertThat(canon("100")).isEqualTo(canon("1E2")).isEqualTo("100");
    assertThat(canon("0.5")).isEqualTo(canon("5e-1")).isEqualTo("0.5");
    assertThat(canon("12345678901234567890123")).isEqualTo("12345678901234567890123");
    assertThat(canon("\"\\u00e9\"")).isEqualTo(canon("\"é\""));
    assertThat(canon("{\"z\":{\"y\":1,\"x\":2}}")).isEqualTo("{\"z\":{\"x\":2,\"y\":1}}");
  }

  @Test
  void hugeExponentsStayShort() {
    assertThat(canon("1e400")).isEqualTo("1E+400");
    assertThat(canon("1e-400")).isEqualTo("1E-400");
  }

  @Test
  void anEmptyBodyIsAnEmptyObjectAndNonObjectsAreRefused() {
    assertThat(CanonicalJson.parseBody(new byte[0])).isEmpty();
    assertThat(CanonicalJson.parseBody(" \n".getBytes(StandardCharsets.UTF_8))).isEmpty();
    assertThatThrownBy(() -> CanonicalJson.parseBody("[1]".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(ApiError.class);
    assertThatThrownBy(() -> CanonicalJson.parseBody("{} {}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(ApiError.class);
  }
}
