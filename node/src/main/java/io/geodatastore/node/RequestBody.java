package io.geodatastore.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.Family;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * A JSON object from a request (a body, or one operation of a batch) with typed, validated access
 * to its fields.
 */
final class RequestBody {
  final ObjectNode json;

  RequestBody(ObjectNode json) {
    this.json = json;
  }

  /**
   * Refuses a field not in {@code fields}. A look through a handful of names, not a set built for
   * each call: a batch checks up to a thousand operations per request.
   */
  void allow(String... fields) {
    List<String> allowed = Arrays.asList(fields);
    for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!allowed.contains(f)) {
        throw ApiError.badRequest(
            "unknown_field",
            "unknown field \"" + f + "\"; this call takes " + String.join(", ", fields));
      }
    }
  }

  CrdtType type(Family family) {
    JsonNode t = json.get("type");
    if (t == null) {
      return family.defaultType();
    }
    List<String> names = new ArrayList<>();
    for (CrdtType c : CrdtType.values()) {
      if (c.family() == family) {
        names.add(c.apiName());
      }
    }
    if (!t.isTextual()) {
      throw ApiError.badRequest(
          "invalid_field", "\"type\" is a string, one of " + String.join(", ", names));
    }
    CrdtType c = CrdtType.fromApiName(t.textValue());
    if (c == null || c.family() != family) {
      throw ApiError.badRequest(
          "unknown_type",
          "unknown type '"
              + t.textValue()
              + "' for "
              + family.apiName()
              + (c == null ? "" : " (it is a type of " + c.family().apiName() + ")")
              + "; use one of "
              + String.join(", ", names));
    }
    return c;
  }

  long integer(String field, long dflt, boolean negativeAllowed) {
    JsonNode v = json.get(field);
    if (v == null) {
      return dflt;
    }
    if (!v.isNumber()
        || !v.canConvertToExactIntegral()
        || !v.canConvertToLong()
        || (v.isFloatingPointNumber() && v.decimalValue().stripTrailingZeros().scale() > 0)) {
      throw ApiError.badRequest(
          "invalid_field",
          "\""
              + field
              + "\" is a whole number (a JSON integer within the signed 64-bit range), got "
              + v);
    }
    long n = v.longValue();
    if (n < 0 && !negativeAllowed) {
      throw ApiError.badRequest(
          "invalid_amount",
          "\""
              + field
              + "\" must be 0 or more, got "
              + n
              + "; use decrement on a pn_counter to subtract");
    }
    if (n == Long.MIN_VALUE) {
      throw ApiError.badRequest("invalid_amount", "\"" + field + "\" is out of range");
    }
    return n;
  }

  List<String> elements(int max) {
    JsonNode one = json.get("element");
    JsonNode many = json.get("elements");
    if (one != null && many != null) {
      throw ApiError.badRequest("invalid_field", "give \"element\" or \"elements\", not both");
    }
    if (one == null && many == null) {
      throw ApiError.badRequest(
          "missing_field", "give \"element\":E or \"elements\":[E,…] (any JSON values)");
    }
    List<String> out = new ArrayList<>();
    if (one != null) {
      out.add(element(one));
      return out;
    }
    for (JsonNode e : boundedArray("elements", many, max, "--max-elements-per-request")) {
      out.add(element(e));
    }
    return out;
  }

  /**
   * {@code value}, field {@code field}, if it is an array of 1 to {@code max} items; else 400, with
   * {@code too_many_<field>} naming the setting {@code flag} when it is too long.
   */
  static JsonNode boundedArray(String field, JsonNode value, int max, String flag) {
    if (!value.isArray()) {
      throw ApiError.badRequest(
          "invalid_field", "\"" + field + "\" is an array, got a " + CanonicalJson.kind(value));
    }
    if (value.isEmpty()) {
      throw ApiError.badRequest("invalid_field", "\"" + field + "\" is empty; give at least one");
    }
    if (value.size() > max) {
      throw ApiError.badRequest(
          "too_many_" + field,
          "\""
              + field
              + "\" has "
              + value.size()
              + " "
              + field
              + ", more than the limit of "
              + max
              + " ("
              + flag
              + "); split the request");
    }
    return value;
  }

  private static String element(JsonNode e) {
    if (e.isNull()) {
      throw ApiError.badRequest("null_value", "an element may be any JSON value except null");
    }
    return CanonicalJson.canonical(e);
  }
}
