package io.geodatastore.node;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * JSON in and out, and the canonical text of element and register values.
 *
 * <p>Set elements and register values are stored as canonical JSON text so that equal JSON values
 * are equal strings: object members sorted by name, no whitespace, numbers normalised (an integral
 * number, however written — {@code 1}, {@code 1.0}, {@code 1e0} — is written as a plain integer;
 * any other number as the shortest exact decimal, e.g. {@code 0.5}, {@code 1.5E-10}), strings with
 * Jackson's standard escaping. Numbers are read exactly (BigDecimal), never through a double.
 */
public final class CanonicalJson {

  /** Integral numbers with more digits than this are written in exponent form, to bound output. */
  private static final int PLAIN_INTEGER_DIGITS_MAX = 40;

  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .build();

  private static final JsonFactory FACTORY = MAPPER.getFactory();

  private CanonicalJson() {}

  /**
   * Parses a request body: empty means {@code {}}; anything else must be one JSON object.
   *
   * @throws ApiError 400 {@code bad_json} when it is not
   */
  public static ObjectNode parseBody(byte[] body) {
    if (isBlank(body)) {
      return MAPPER.createObjectNode();
    }
    JsonNode n;
    try {
      n = MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw ApiError.badRequest(
          "bad_json",
          "the body is not valid JSON ("
              + e.getOriginalMessage()
              + "); send one JSON object, e.g. {\"value\": 5}");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (n == null || n.isMissingNode()) {
      return MAPPER.createObjectNode();
    }
    if (!(n instanceof ObjectNode o)) {
      throw ApiError.badRequest(
          "bad_json", "the body must be a JSON object, got a JSON " + kind(n) + "");
    }
    return o;
  }

  private static boolean isBlank(byte[] body) {
    for (byte b : body) {
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
        return false;
      }
    }
    return true;
  }

  /** The canonical text of a value (never null: a JSON null is refused before). */
  public static String canonical(JsonNode value) {
    StringWriter w = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(w)) {
      write(g, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }

  private static void write(JsonGenerator g, JsonNode n) throws IOException {
    switch (n.getNodeType()) {
      case OBJECT -> {
        List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.properties().iterator(); it.hasNext(); ) {
          fields.add(it.next());
        }
        fields.sort(Map.Entry.comparingByKey());
        g.writeStartObject();
        for (Map.Entry<String, JsonNode> f : fields) {
          g.writeFieldName(f.getKey());
          write(g, f.getValue());
        }
        g.writeEndObject();
      }
      case ARRAY -> {
        g.writeStartArray();
        for (JsonNode e : n) {
          write(g, e);
        }
        g.writeEndArray();
      }
      case NUMBER -> g.writeNumber(canonicalNumber(n));
      case STRING -> g.writeString(n.textValue());
      case BOOLEAN -> g.writeBoolean(n.booleanValue());
      case NULL -> g.writeNull();
      default -> throw new IllegalArgumentException("not a JSON value: " + n.getNodeType());
    }
  }

  /** The canonical spelling of a JSON number. */
  static String canonicalNumber(JsonNode n) {
    if (n.isIntegralNumber()) {
      return n.bigIntegerValue().toString();
    }
    BigDecimal d = n.decimalValue();
    if (d.signum() == 0) {
      return "0";
    }
    BigDecimal s = d.stripTrailingZeros();
    if (s.scale() <= 0 && s.precision() - s.scale() <= PLAIN_INTEGER_DIGITS_MAX) {
      BigInteger i = s.toBigIntegerExact();
      return i.toString();
    }
    return s.toString();
  }

  /** Parses stored canonical text back into a tree (for tests and tools). */
  public static JsonNode parseValue(String canonical) {
    try {
      return MAPPER.readTree(canonical);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored value is not JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** A word for the kind of a JSON value, for messages. */
  public static String kind(JsonNode n) {
    return switch (n.getNodeType()) {
      case OBJECT -> "object";
      case ARRAY -> "array";
      case NUMBER -> "number";
      case STRING -> "string";
      case BOOLEAN -> "boolean";
      case NULL -> "null";
      default -> n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    };
  }

  /** Serialises a response tree. */
  public static byte[] bytes(JsonNode n) {
    try {
      return MAPPER.writeValueAsBytes(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise a response", e);
    }
  }
}
