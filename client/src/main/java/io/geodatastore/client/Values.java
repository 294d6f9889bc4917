package io.geodatastore.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** The typed answers of the data API. */
public final class Values {

  private Values() {}

  /** A counter: {@code {"key","type","value"}}. */
  public record Counter(String key, String type, long value) {}

  /** A set: {@code {"key","type","elements","size"}}; elements are any JSON values. */
  public record Set(String key, String type, List<JsonNode> elements, int size) {
    /** The elements that are JSON strings, as Java strings, in order. */
    public List<String> strings() {
      List<String> out = new ArrayList<>();
      for (JsonNode e : elements) {
        if (e.isTextual()) {
          out.add(e.asText());
        }
      }
      return out;
    }
  }

  /**
   * A register. For {@code lww_register}: {@code value} and {@code timestamp}; for {@code
   * mv_register}: {@code values} and the {@code context} to send back with the next write.
   */
  public record Register(
      String key,
      String type,
      JsonNode value,
      JsonNode timestamp,
      List<JsonNode> values,
      JsonNode context) {}

  /** One key of a listing. */
  public record KeyEntry(String key, String type) {}

  /** A page of keys; {@code nextAfter} is null on the last page. */
  public record KeyPage(List<KeyEntry> keys, String nextAfter) {}

  /**
   * One write's result in a batch: the status the single call would have answered, and a body of
   * {@code {"error","message"}}, or of {@code {"key","type"}} with a counter's {@code value}, a
   * set's {@code size} or a delete's {@code deleted}.
   */
  public record BatchItem(int status, JsonNode body) {
    public boolean ok() {
      return status < 300;
    }

    /** The error code of a failed write, or null. */
    public String error() {
      return ok() ? null : body.path("error").asText();
    }
  }

  /** A batch's results, one per write in the order sent, and how many of them failed. */
  public record BatchResult(List<BatchItem> results, int failed) {}
}
