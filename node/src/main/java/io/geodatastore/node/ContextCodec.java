package io.geodatastore.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.DotContext;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON form of an MV-Register read context (a {@link DotContext}), which a client sends back
 * verbatim in {@code "context"} to replace exactly the values it read:
 *
 * <pre>
 * {"vv":{"&lt;replica id&gt;":&lt;counter&gt;,…},"dots":[["&lt;replica id&gt;",&lt;counter&gt;],…]}
 * </pre>
 *
 * <p>{@code vv} holds every dot {@code r:1..n}; {@code dots} the dots beyond it (usually none).
 */
public final class ContextCodec {

  /** The most entries a context may carry. */
  public static final int ENTRIES_MAX = 10_000;

  private ContextCodec() {}

  public static ObjectNode encode(DotContext c) {
    ObjectNode o = CanonicalJson.MAPPER.createObjectNode();
    ObjectNode vv = o.putObject("vv");
    c.versionVector().forEach((r, n) -> vv.put(r.value(), n));
    ArrayNode dots = o.putArray("dots");
    for (Dot d : c.cloud()) {
      dots.addArray().add(d.replica().value()).add(d.counter());
    }
    return o;
  }

  /**
   * Decodes a context a client sent back.
   *
   * @throws ApiError 400 {@code invalid_context} when it is not one this service produced
   */
  public static DotContext decode(JsonNode n) {
    if (!n.isObject()) {
      throw invalid("it is a JSON " + CanonicalJson.kind(n) + ", not an object");
    }
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("vv") && !f.equals("dots")) {
        throw invalid("it has an unknown member '" + f + "'");
      }
    }
    JsonNode vv = n.path("vv");
    JsonNode dots = n.path("dots");
    if ((!vv.isMissingNode() && !vv.isObject()) || (!dots.isMissingNode() && !dots.isArray())) {
      throw invalid("vv must be an object and dots an array");
    }
    if (vv.size() + dots.size() > ENTRIES_MAX) {
      throw invalid("it has more than " + ENTRIES_MAX + " entries");
    }
    Map<ReplicaId, Long> m = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = vv.properties().iterator(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      m.put(replica(e.getKey()), counter(e.getValue()));
    }
    List<Dot> cloud = new ArrayList<>();
    for (JsonNode d : dots) {
      if (!d.isArray() || d.size() != 2 || !d.get(0).isTextual()) {
        throw invalid("a dot is not [\"replica id\", counter]");
      }
      long c = counter(d.get(1));
      if (c < 1) {
        throw invalid("a dot counter is 1 or more");
      }
      cloud.add(new Dot(replica(d.get(0).textValue()), c));
    }
    try {
      return DotContext.of(VersionVector.of(m), cloud);
    } catch (IllegalArgumentException e) {
      throw invalid(e.getMessage());
    }
  }

  private static ReplicaId replica(String s) {
    try {
      return ReplicaId.of(s);
    } catch (IllegalArgumentException e) {
      throw invalid("a replica id is malformed");
    }
  }

  private static long counter(JsonNode n) {
    if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
      throw invalid("a counter is not a whole number 0 or more");
    }
    return n.longValue();
  }

  private static ApiError invalid(String why) {
    return ApiError.badRequest(
        "invalid_context",
        "\"context\" is not a context this service returned ("
            + why
            + "); send back the \"context\" of an mv_register read verbatim, or omit it");
  }
}
