package io.geodatastore.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;

/** JSON responses and the error body of API.md §4. */
final class Responses {

  private Responses() {}

  static HttpResponse json(HttpStatus status, JsonNode body, String sessionToken) {
    return json(status, body, sessionToken, null, null);
  }

  /** A JSON answer with one more header ({@code header} null: none). */
  static HttpResponse json(
      HttpStatus status, JsonNode body, String sessionToken, String header, String value) {
    ResponseHeadersBuilder h = ResponseHeaders.builder(status).contentType(MediaType.JSON_UTF_8);
    if (sessionToken != null) {
      h.set(SessionToken.HEADER, sessionToken);
    }
    if (header != null) {
      h.set(header, value);
    }
    return HttpResponse.of(h.build(), com.linecorp.armeria.common.HttpData.wrap(bytes(body)));
  }

  static HttpResponse json(HttpStatus status, JsonNode body) {
    return json(status, body, null);
  }

  static ObjectNode errorBody(String code, String message) {
    ObjectNode o = CanonicalJson.MAPPER.createObjectNode();
    o.put("error", code);
    o.put("message", message);
    return o;
  }

  static HttpResponse error(ApiError e, String sessionToken) {
    return json(e.status(), errorBody(e.code(), e.getMessage()), sessionToken);
  }

  static HttpResponse error(HttpStatus status, String code, String message) {
    return json(status, errorBody(code, message), null);
  }

  static byte[] bytes(JsonNode body) {
    return CanonicalJson.bytes(body);
  }
}
