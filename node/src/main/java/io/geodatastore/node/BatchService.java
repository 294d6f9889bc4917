package io.geodatastore.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.geodatastore.cluster.replication.WriteLevel;
import io.geodatastore.core.crdt.Conflict;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.crdt.GCounter;
import io.geodatastore.core.crdt.GSet;
import io.geodatastore.core.crdt.OrSet;
import io.geodatastore.core.crdt.PnCounter;
import io.geodatastore.core.crdt.TwoPhaseSet;
import io.geodatastore.core.op.Operation;
import io.geodatastore.node.cluster.ClusterNode;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.WriteResult;
import io.geodatastore.storage.rocksdb.RocksStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * {@code POST /crdt/batch}: many writes in one request, as a client that aggregates (page-view
 * counters from a web tier, bulk loads) sends them. A batch is what pipelining is to Redis: one
 * request, one answer, many operations, each applied as if sent alone.
 *
 * <p>The whole body is checked before anything is applied: a malformed operation answers 400 naming
 * it ({@code operations[3]: …}) and changes nothing. Then every operation goes to its key's shard,
 * where it joins the group commit with everything else in flight; operations on one key apply in
 * the order given. The answer comes once all are durable (and the batch's write level is met): one
 * result per operation, in order, each the status the single call would have answered with its
 * error or a short form of the key's state ({@link #outcome}). An operation the store refuses (a
 * type mismatch, an overflow, a quarantined key, a delete of a missing key) has its error as its
 * result and does not hold the others back: a batch is not a transaction.
 */
final class BatchService {

  /** The operations per family, as the single calls name them. */
  private static final List<String> COUNTER_OPS = List.of("increment", "decrement", "create");

  private static final List<String> SET_OPS = List.of("add", "remove", "create");
  private static final List<String> REGISTER_OPS = List.of("write", "create");

  private final RocksStore store;
  private final NodeConfig config;
  private final NodeMetrics metrics;
  private final ClusterNode cluster;

  BatchService(RocksStore store, NodeConfig config, NodeMetrics metrics, ClusterNode cluster) {
    this.store = store;
    this.config = config;
    this.metrics = metrics;
    this.cluster = cluster;
  }

  /**
   * One operation of a batch, checked.
   *
   * @param key the key it writes
   * @param op what it does; null for a delete
   * @param name its name in the API ({@code increment}, {@code delete}, …)
   * @param createdStatus the status of a result that created the key
   */
  private record Planned(KeyRef key, Operation op, String name, HttpStatus createdStatus) {}

  /** How one operation ended: its result object, and the write when it was applied. */
  private record Outcome(ObjectNode result, WriteResult.Written written) {}

  CompletableFuture<HttpResponse> apply(
      ServiceRequestContext ctx, ObjectNode json, SessionToken token) {
    RequestBody body = new RequestBody(json);
    body.allow("operations", "consistency");
    Consistency level = DataService.consistency(ctx, body);
    List<Planned> planned = plan(body.json.get("operations"));
    Executor loop = ctx.eventLoop().withoutContext();
    List<CompletableFuture<Outcome>> outcomes = new ArrayList<>(planned.size());
    for (Planned p : planned) {
      CompletableFuture<WriteResult> f =
          p.op() == null ? store.delete(p.key(), loop) : store.write(p.key(), p.op(), loop);
      outcomes.add(f.thenApply(r -> outcome(p, r)));
    }
    return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
        .thenCompose(v -> answer(ctx, level, token, outcomes));
  }

  // ---- checking ----

  private List<Planned> plan(JsonNode ops) {
    if (ops == null) {
      throw ApiError.badRequest(
          "missing_field",
          "give \"operations\": [{\"family\":\"counters\",\"key\":\"k\",\"op\":\"increment\"},…]");
    }
    RequestBody.boundedArray(
        "operations", ops, config.maxBatchOperations(), "--max-batch-operations");
    List<Planned> out = new ArrayList<>(ops.size());
    for (int i = 0; i < ops.size(); i++) {
      try {
        out.add(planOne(ops.get(i)));
      } catch (ApiError e) {
        throw new ApiError(e.status(), e.code(), "operations[" + i + "]: " + e.getMessage());
      }
    }
    return out;
  }

  private Planned planOne(JsonNode node) {
    if (!(node instanceof ObjectNode o)) {
      throw ApiError.badRequest(
          "invalid_field",
          "an operation is a JSON object such as {\"family\":\"counters\",\"key\":\"k\","
              + "\"op\":\"increment\",\"value\":1}, got a "
              + CanonicalJson.kind(node));
    }
    RequestBody op = new RequestBody(o);
    if (op.json.has("region")) {
      throw ApiError.badRequest(
          "invalid_field",
          "\"region\" is not taken in a batch; write the register with POST /crdt/registers/{key}"
              + " to have it applied in another region");
    }
    Family family = DataService.family(text(op, "family"));
    KeyRef key = DataService.keyRef(family, text(op, "key"), config.maxKeyBytes());
    String name = text(op, "op");
    if (name.equals("delete")) {
      op.allow("family", "key", "op");
      return new Planned(key, null, name, HttpStatus.OK);
    }
    List<String> names =
        switch (family) {
          case COUNTERS -> COUNTER_OPS;
          case SETS -> SET_OPS;
          case REGISTERS -> REGISTER_OPS;
        };
    if (!names.contains(name)) {
      throw ApiError.badRequest(
          "unknown_operation",
          family.apiName()
              + " have no operation '"
              + name
              + "'; use one of "
              + names
              + " or delete");
    }
    return switch (name) {
      case "increment", "decrement" -> {
        op.allow("family", "key", "op", "value");
        long amount = op.integer("value", 1, false);
        yield new Planned(
            key,
            name.equals("increment")
                ? new Operation.Increment(amount)
                : new Operation.Decrement(amount),
            name,
            HttpStatus.OK);
      }
      case "add", "remove" -> {
        op.allow("family", "key", "op", "element", "elements");
        List<String> elements = op.elements(config.maxElementsPerRequest());
        yield new Planned(
            key,
            name.equals("add") ? new Operation.Add(elements) : new Operation.Remove(elements),
            name,
            HttpStatus.OK);
      }
      case "write" -> {
        op.allow("family", "key", "op", "value", "context");
        Operation.Write write = DataService.registerWrite(op);
        if (write == null) {
          throw ApiError.badRequest("missing_field", "a register write needs \"value\"");
        }
        yield new Planned(key, write, name, HttpStatus.CREATED);
      }
      default -> create(family, key, op);
    };
  }

  /** A create: the type (the family's default if none), and for a register an optional value. */
  private static Planned create(Family family, KeyRef key, RequestBody op) {
    if (family == Family.REGISTERS) {
      op.allow("family", "key", "op", "type", "value", "context");
    } else {
      if (op.json.has("initial_value")) {
        throw ApiError.badRequest(
            "invalid_field",
            "\"initial_value\" is not taken in a batch (it applies only to a new key); create the"
                + " counter with POST /crdt/counters/{key}, or increment it here");
      }
      op.allow("family", "key", "op", "type");
    }
    CrdtType type = op.type(family);
    Operation.Write then = family == Family.REGISTERS ? DataService.registerWrite(op) : null;
    return new Planned(key, new Operation.Create(type, then), "create", HttpStatus.CREATED);
  }

  private static String text(RequestBody op, String field) {
    JsonNode v = op.json.get(field);
    if (v == null) {
      throw ApiError.badRequest(
          "missing_field",
          "an operation needs \"family\", \"key\" and \"op\"; \"" + field + "\" is missing");
    }
    if (!v.isTextual()) {
      throw ApiError.badRequest(
          "invalid_field", "\"" + field + "\" is a string, got a " + CanonicalJson.kind(v));
    }
    return v.textValue();
  }

  // ---- answering ----

  /**
   * The result of one operation: its status, and the error its single call would have answered, or
   * the key, its type and (for a counter) its value or (for a set) its size. Not the whole state,
   * as the single calls answer: a batch of a thousand adds to a set of 10,000 elements would answer
   * ten million of them.
   */
  private Outcome outcome(Planned p, WriteResult r) {
    ObjectNode o = CanonicalJson.MAPPER.createObjectNode();
    if (!(r instanceof WriteResult.Written w)) {
      ApiError e = DataService.refusal(p.key(), r, p.op(), p.name());
      o.put("status", e.status().code()).put("error", e.code()).put("message", e.getMessage());
      return new Outcome(o, null);
    }
    metrics.operation(w.type(), p.name());
    for (Conflict c : w.conflicts()) {
      metrics.conflict(w.type(), c);
    }
    HttpStatus status = w.created() ? p.createdStatus() : HttpStatus.OK;
    o.put("status", status.code()).put("key", p.key().name()).put("type", w.type().apiName());
    if (p.op() == null) {
      o.put("deleted", true);
    } else {
      switch (w.state()) {
        case GCounter g -> o.put("value", g.value());
        case PnCounter c -> o.put("value", c.value());
        case GSet g -> o.put("size", g.size());
        case TwoPhaseSet t -> o.put("size", t.size());
        case OrSet or -> o.put("size", or.size());
        default -> {} // a register: read it for its value (and an MV register's context)
      }
    }
    return new Outcome(o, w);
  }

  private CompletableFuture<HttpResponse> answer(
      ServiceRequestContext ctx,
      Consistency level,
      SessionToken token,
      List<CompletableFuture<Outcome>> outcomes) {
    ObjectNode body = CanonicalJson.MAPPER.createObjectNode();
    ArrayNode results = body.putArray("results");
    long lastSeq = 0;
    int failed = 0;
    for (CompletableFuture<Outcome> f : outcomes) {
      Outcome o = f.join(); // all are done
      results.add(o.result());
      if (o.written() == null) {
        failed++;
      } else if (o.written().logId() != null) {
        lastSeq = Math.max(lastSeq, o.written().logId().counter());
      }
    }
    body.put("failed", failed);
    String t = DataService.tokenAfterWrites(token, cluster, store, lastSeq);
    WriteLevel wl = level.writeLevel();
    if (lastSeq == 0 || wl == WriteLevel.LOCAL) {
      return CompletableFuture.completedFuture(Responses.json(HttpStatus.OK, body, t));
    }
    // Acknowledgements are cumulative per origin: a replica holding the batch's last sequence
    // holds all of it.
    long timeoutMs = config.writeTimeoutMs();
    return cluster
        .awaitAcks(lastSeq, wl, timeoutMs)
        .thenApplyAsync(
            a -> {
              if (a.met()) {
                return Responses.json(HttpStatus.OK, body, t);
              }
              ApiError notMet =
                  DataService.levelNotMet(level, timeoutMs, a, "the results below are");
              ObjectNode e = Responses.errorBody(notMet.code(), notMet.getMessage());
              e.setAll(body);
              return Responses.json(HttpStatus.SERVICE_UNAVAILABLE, e, t);
            },
            ctx.eventLoop());
  }
}
