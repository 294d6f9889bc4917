package io.geodatastore.node;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A small HTTP client for tests (the typed client module replaces it later). */
final class TestHttp {

  /** A response: status, raw body, parsed JSON body (null when not JSON), headers. */
  record Resp(int status, String text, JsonNode json, java.net.http.HttpHeaders headers) {
    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }
  }

  private final HttpClient client;
  private final String base;

  TestHttp(int port) {
    this(port, HttpClient.Version.HTTP_1_1);
  }

  TestHttp(int port, HttpClient.Version version) {
    this.client =
        HttpClient.newBuilder().version(version).connectTimeout(Duration.ofSeconds(5)).build();
    this.base = "http://127.0.0.1:" + port;
  }

  Resp get(String path) {
    return send("GET", path, (byte[]) null, null, Map.of());
  }

  Resp post(String path, String body) {
    return send("POST", path, body, "application/json");
  }

  Resp delete(String path) {
    return send("DELETE", path, (byte[]) null, null, Map.of());
  }

  Resp send(String method, String path, String body, String contentType) {
    return send(
        method,
        path,
        body == null ? null : body.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        contentType,
        Map.of());
  }

  Resp send(
      String method, String path, byte[] body, String contentType, Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    headers.forEach(b::header);
    try {
      HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode json = null;
      try {
        json = r.body().isEmpty() ? null : CanonicalJson.MAPPER.readTree(r.body());
      } catch (IOException e) {
        json = null;
      }
      return new Resp(r.statusCode(), r.body(), json, r.headers());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
