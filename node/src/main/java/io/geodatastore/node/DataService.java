package io.geodatastore.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.ClosedSessionException;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.ResponseCompleteException;
import com.linecorp.armeria.common.stream.ClosedStreamException;
import com.linecorp.armeria.server.HttpStatusException;
import com.linecorp.armeria.server.RequestCancellationException;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.geodatastore.cluster.coordination.ReadCoordinator;
import io.geodatastore.cluster.coordination.ReadLevel;
import io.geodatastore.cluster.coordination.ReadOutcome;
import io.geodatastore.cluster.replication.Replication;
import io.geodatastore.cluster.replication.WriteLevel;
import io.geodatastore.core.causal.DotContext;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.Conflict;
import io.geodatastore.core.crdt.Crdt;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.crdt.GCounter;
import io.geodatastore.core.crdt.GSet;
import io.geodatastore.core.crdt.LwwRegister;
import io.geodatastore.core.crdt.MvRegister;
import io.geodatastore.core.crdt.OrSet;
import io.geodatastore.core.crdt.PnCounter;
import io.geodatastore.core.crdt.TwoPhaseSet;
import io.geodatastore.core.op.Operation;
import io.geodatastore.node.cluster.ClusterNode;
import io.geodatastore.storage.KeyListing;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.ReadResult;
import io.geodatastore.storage.WriteResult;
import io.geodatastore.storage.rocksdb.RocksStore;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data API of API.md §3: {@code /crdt/{family}}, {@code /crdt/{family}/{key}} and {@code
 * /crdt/{family}/{key}/{operation}}. Writes go to the store's shards and are answered when their
 * future completes; reads and listings run on Armeria's blocking-task executor (RocksDB reads may
 * touch the disk). Nothing here blocks an event loop.
 */
final class DataService {

  private static final Logger log = LoggerFactory.getLogger(DataService.class);

  /** Listing page size when {@code limit} is not given, and the largest allowed. */
  static final int LIST_LIMIT_DEFAULT = 100;

  static final int LIST_LIMIT_MAX = 1000;

  /**
   * On an answer to a read the node coordinated (session or causal reads that waited or fetched,
   * quorum levels): how many replicas it found behind and repaired (or is repairing).
   */
  static final String READ_REPAIRS_HEADER = "x-geo-read-repairs";

  private final RocksStore store;
  private final NodeConfig config;
  private final NodeMetrics metrics;
  private final BooleanSupplier stopping;
  private final ClusterNode cluster;
  private final Forwarder forwarder;
  private final BatchService batches;

  DataService(
      RocksStore store,
      NodeConfig config,
      NodeMetrics metrics,
      BooleanSupplier stopping,
      ClusterNode cluster,
      Forwarder forwarder) {
    this.stopping = stopping;
    this.cluster = cluster;
    this.forwarder = forwarder;
    this.store = store;
    this.config = config;
    this.metrics = metrics;
    this.batches = new BatchService(store, config, metrics, cluster);
  }

  // ---- routing ----

  /** {@code /crdt/{family}}: GET lists keys. */
  HttpResponse serveFamily(ServiceRequestContext ctx, HttpRequest req) {
    return run(
        ctx,
        req,
        (agg, token) -> {
          requireMethod(ctx, HttpMethod.GET);
          Family family = family(ctx.pathParam("family"));
          return list(ctx, family, token);
        });
  }

  /** {@code /crdt/{family}/{key}}: GET reads, POST creates or writes, DELETE deletes. */
  HttpResponse serveKey(ServiceRequestContext ctx, HttpRequest req) {
    return run(
        ctx,
        req,
        (agg, token) -> {
          Family family = family(ctx.pathParam("family"));
          KeyRef key = key(ctx, family, ctx.pathParam("key"));
          HttpMethod m = ctx.method();
          if (m == HttpMethod.GET || m == HttpMethod.HEAD) {
            Consistency level = Consistency.resolveRead(ctx.queryParam("consistency"));
            return read(ctx, key, level, token);
          }
          if (m == HttpMethod.POST) {
            return create(ctx, key, CanonicalJson.parseBody(agg.content().array()), token);
          }
          if (m == HttpMethod.DELETE) {
            Consistency level = Consistency.resolveWrite(ctx.queryParam("consistency"), null);
            return delete(ctx, key, level, token);
          }
          throw methodNotAllowed(m, "GET, POST, DELETE");
        });
  }

  /** {@code /crdt/batch}: POST applies many writes ({@link BatchService}). */
  HttpResponse serveBatch(ServiceRequestContext ctx, HttpRequest req) {
    return run(
        ctx,
        req,
        (agg, token) -> {
          requireMethod(ctx, HttpMethod.POST);
          return batches.apply(ctx, CanonicalJson.parseBody(agg.content().array()), token);
        });
  }

  /** {@code /crdt/{family}/} and {@code /crdt/{family}//…}: an empty key name. */
  HttpResponse serveEmptyKey(ServiceRequestContext ctx, HttpRequest req) {
    return run(
        ctx,
        req,
        (agg, token) -> {
          Family family = family(ctx.pathParam("family"));
          key(ctx, family, "");
          throw new IllegalStateException("unreachable: an empty key was accepted");
        });
  }

  /** {@code /crdt/{family}/{key}/{operation}}: POST increment, decrement, add, remove. */
  HttpResponse serveOperation(ServiceRequestContext ctx, HttpRequest req) {
    return run(
        ctx,
        req,
        (agg, token) -> {
          Family family = family(ctx.pathParam("family"));
          String op = ctx.pathParam("operation");
          List<String> ops =
              switch (family) {
                case COUNTERS -> List.of("increment", "decrement");
                case SETS -> List.of("add", "remove");
                case REGISTERS -> List.of();
              };
          if (!ops.contains(op)) {
            throw ApiError.notFound(
                "unknown_operation",
                "/crdt/"
                    + family.apiName()
                    + "/{key} has no operation '"
                    + op
                    + "'"
                    + (ops.isEmpty()
                        ? "; write a register with POST /crdt/registers/{key} {\"value\":V}"
                        : "; use one of " + ops));
          }
          requireMethod(ctx, HttpMethod.POST);
          KeyRef key = key(ctx, family, ctx.pathParam("key"));
          RequestBody body = new RequestBody(CanonicalJson.parseBody(agg.content().array()));
          return switch (op) {
            case "increment", "decrement" -> counterOp(ctx, key, op, body, token);
            default -> setOp(ctx, key, op, body, token);
          };
        });
  }

  /** A request handler that may throw {@link ApiError}. */
  private interface Handler {
    CompletableFuture<HttpResponse> handle(AggregatedHttpRequest req, SessionToken token);
  }

  private HttpResponse run(ServiceRequestContext ctx, HttpRequest req, Handler h) {
    CompletableFuture<HttpResponse> f =
        req.aggregate()
            .thenCompose(
                agg -> {
                  SessionToken token = SessionToken.decode(agg.headers().get(SessionToken.HEADER));
                  return h.handle(agg, token);
                })
            .exceptionally(t -> failure(ctx, req, t));
    return HttpResponse.of(f);
  }

  private HttpResponse failure(ServiceRequestContext ctx, HttpRequest req, Throwable t) {
    Throwable c = unwrap(t);
    // An error reflects nothing new: echo the client's token when it sent a valid one.
    String token = null;
    String sent = req.headers().get(SessionToken.HEADER);
    if (sent != null) {
      try {
        token = SessionToken.decode(sent).encode();
      } catch (ApiError e) {
        token = null;
      }
    }
    if (c instanceof ApiError e) {
      log.debug("{} {}: {} {}", ctx.method(), ctx.path(), e.status().code(), e.getMessage());
      return Responses.error(e, token);
    }
    if (c instanceof ContentTooLargeException) {
      return Responses.error(bodyTooLarge(config.maxBodyBytes()), token);
    }
    if (c instanceof HttpStatusException hse) {
      return hse.httpStatus().code() == 413
          ? Responses.error(bodyTooLarge(config.maxBodyBytes()), token)
          : Responses.error(hse.httpStatus(), "bad_request", hse.httpStatus().reasonPhrase());
    }
    if (isAbort(c)) {
      log.debug("{} {}: the exchange was aborted: {}", ctx.method(), ctx.path(), c.toString());
      return Responses.error(HttpStatus.SERVICE_UNAVAILABLE, "aborted", "the request was aborted");
    }
    if (c instanceof IllegalStateException && stopping.getAsBoolean()) {
      return Responses.error(
          new ApiError(
              HttpStatus.SERVICE_UNAVAILABLE,
              "shutting_down",
              "this node is stopping and takes no more writes; retry on another node or after restart"),
          token);
    }
    log.error("{} {} failed with an unexpected error", ctx.method(), ctx.path(), c);
    return Responses.error(
        HttpStatus.INTERNAL_SERVER_ERROR,
        "internal",
        "the node failed to serve this request (" + c + "); this is a bug, please report it");
  }

  static ApiError bodyTooLarge(long limit) {
    return new ApiError(
        HttpStatus.REQUEST_ENTITY_TOO_LARGE,
        "body_too_large",
        "the body is larger than the limit of "
            + limit
            + " bytes (--max-body-bytes); send fewer elements per request");
  }

  /** The client went away, or Armeria already answered: nothing left to tell anyone. */
  static boolean isAbort(Throwable c) {
    return c instanceof ResponseCompleteException
        || c instanceof ClosedSessionException
        || c instanceof ClosedStreamException
        || c instanceof RequestCancellationException
        || c instanceof java.util.concurrent.CancellationException;
  }

  static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  // ---- reads ----

  private CompletableFuture<HttpResponse> read(
      ServiceRequestContext ctx, KeyRef key, Consistency level, SessionToken token) {
    ReadLevel rl = level.readLevel();
    if (rl == null) {
      return readLocal(ctx, key, token);
    }
    long timeoutMs = config.readTimeoutMs();
    if (rl.merges()) {
      return cluster
          .read(key, rl, timeoutMs)
          .thenApplyAsync(o -> answer(key, level, o, token), ctx.eventLoop());
    }
    VersionVector past = token.toVersionVector();
    if (cluster.covers(past)) {
      return readLocal(ctx, key, token); // nothing to wait for: as fast as eventual
    }
    return cluster
        .readSession(key, rl, past, config.sessionWaitMs(), timeoutMs)
        .thenApplyAsync(
            o -> {
              String outcome = sessionOutcome(o);
              if (outcome != null) {
                metrics.sessionWait(outcome);
              }
              return answer(key, level, o, token);
            },
            ctx.eventLoop());
  }

  /**
   * This node's records as they are; the token joins what they may show. Answered on the event loop
   * when the record is all in memory (RocksDB's memtables and block cache), as a hot key's is, else
   * from a blocking-task thread. The hop there and back is two thread wake-ups: with it, a read of
   * a cached key on an idle node took 0.8–0.95 ms at the median on this two-core machine, without
   * it 0.5–0.6 ms.
   */
  private CompletableFuture<HttpResponse> readLocal(
      ServiceRequestContext ctx, KeyRef key, SessionToken token) {
    ReadResult inMemory = store.readInMemory(key);
    if (inMemory != null) {
      try {
        return CompletableFuture.completedFuture(answerLocal(key, inMemory, token));
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    return CompletableFuture.supplyAsync(
        () -> answerLocal(key, store.read(key), token), ctx.blockingTaskExecutor());
  }

  private HttpResponse answerLocal(KeyRef key, ReadResult r, SessionToken token) {
    // Taken after the read: everything the answer shows is below it.
    SessionToken after = token.join(cluster.coverage());
    return switch (r) {
      case ReadResult.Found f -> {
        metrics.operation(f.type(), "read");
        yield Responses.json(HttpStatus.OK, render(key, f.state()), after.encode());
      }
      case ReadResult.NotFound n -> throw notFound(key);
      case ReadResult.Quarantined q -> throw quarantined(key, q.reason());
    };
  }

  /** How a session read that could not be served at once ended; null if it could after all. */
  private static String sessionOutcome(ReadOutcome o) {
    return switch (o) {
      case ReadOutcome.Served s ->
          switch (s.how()) {
            case LOCAL -> null; // replication caught up between the check and the hop
            case WAITED -> "covered";
            case FETCHED -> "fetched";
            case MERGED -> throw new IllegalStateException("a session read merged");
          };
      case ReadOutcome.Quarantined q -> "covered";
      case ReadOutcome.Unavailable u -> "failed";
    };
  }

  /** The answer to a coordinated read. */
  private HttpResponse answer(
      KeyRef key, Consistency level, ReadOutcome outcome, SessionToken token) {
    return switch (outcome) {
      case ReadOutcome.Served s -> {
        KeyRecord r = s.record();
        if (r == null || !r.live()) {
          throw notFound(key);
        }
        metrics.operation(r.type(), "read");
        yield Responses.json(
            HttpStatus.OK,
            render(key, r.state()),
            token.join(s.covers()).encode(),
            READ_REPAIRS_HEADER,
            Integer.toString(s.repairs()));
      }
      case ReadOutcome.Quarantined q -> throw quarantined(key, "on every replica that answered");
      case ReadOutcome.Unavailable u ->
          throw new ApiError(
              HttpStatus.SERVICE_UNAVAILABLE,
              "consistency_unavailable",
              "consistency level '"
                  + level.apiName()
                  + "' was not met within "
                  + config.readTimeoutMs()
                  + " ms: "
                  + u.reached()
                  + "; retry later, or read at a level the reachable replicas can meet");
    };
  }

  private CompletableFuture<HttpResponse> list(
      ServiceRequestContext ctx, Family family, SessionToken token) {
    Consistency level = Consistency.resolveList(ctx.queryParam("consistency"));
    String prefix = ctx.queryParam("prefix");
    String after = ctx.queryParam("after");
    String limitText = ctx.queryParam("limit");
    int limit = LIST_LIMIT_DEFAULT;
    if (limitText != null) {
      try {
        limit = Integer.parseInt(limitText);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > LIST_LIMIT_MAX) {
        throw ApiError.badRequest(
            "invalid_field",
            "limit is a whole number from 1 to " + LIST_LIMIT_MAX + ", got '" + limitText + "'");
      }
    }
    int pageSize = limit;
    String p = prefix == null ? "" : prefix;
    String a = after == null || after.isEmpty() ? null : after;
    Supplier<HttpResponse> page =
        () -> {
          List<KeyListing> keys = store.list(family, p, a, pageSize + 1);
          ObjectNode o = CanonicalJson.MAPPER.createObjectNode();
          o.put("family", family.apiName());
          ArrayNode arr = o.putArray("keys");
          int n = Math.min(pageSize, keys.size());
          for (int i = 0; i < n; i++) {
            arr.addObject()
                .put("key", keys.get(i).name())
                .put("type", keys.get(i).type().apiName());
          }
          if (keys.size() > pageSize) {
            o.put("next_after", keys.get(pageSize - 1).name());
          } else {
            o.putNull("next_after");
          }
          return Responses.json(HttpStatus.OK, o, token.join(cluster.coverage()).encode());
        };
    VersionVector past = token.toVersionVector();
    if (level == Consistency.EVENTUAL || cluster.covers(past)) {
      return CompletableFuture.supplyAsync(page, ctx.blockingTaskExecutor());
    }
    // A listing cannot be fetched from other replicas: wait for this node to cover the token.
    long waitMs = config.readTimeoutMs();
    return cluster
        .awaitCovered(past, waitMs)
        .thenApplyAsync(
            c -> {
              metrics.sessionWait(c == ReadCoordinator.Coverage.NOT_COVERED ? "failed" : "covered");
              if (c == ReadCoordinator.Coverage.NOT_COVERED) {
                throw new ApiError(
                    HttpStatus.SERVICE_UNAVAILABLE,
                    "consistency_unavailable",
                    "consistency level '"
                        + level.apiName()
                        + "' was not met within "
                        + waitMs
                        + " ms: this node had not applied everything the session saw (a"
                        + " listing is served by this node alone); retry, or list on the node"
                        + " the session last used");
              }
              return page.get();
            },
            ctx.blockingTaskExecutor());
  }

  // ---- writes ----

  private CompletableFuture<HttpResponse> create(
      ServiceRequestContext ctx, KeyRef key, ObjectNode json, SessionToken token) {
    RequestBody body = new RequestBody(json);
    return switch (key.family()) {
      case COUNTERS -> createCounter(ctx, key, body, token);
      case SETS -> {
        body.allow("type", "consistency");
        Consistency level = consistency(ctx, body);
        CrdtType type = body.type(key.family());
        yield write(
            ctx, key, new Operation.Create(type, null), "create", HttpStatus.CREATED, level, token);
      }
      case REGISTERS -> writeRegister(ctx, key, body, token);
    };
  }

  private CompletableFuture<HttpResponse> createCounter(
      ServiceRequestContext ctx, KeyRef key, RequestBody body, SessionToken token) {
    body.allow("type", "initial_value", "consistency");
    Consistency level = consistency(ctx, body);
    CrdtType type = body.type(key.family());
    long initial = body.integer("initial_value", 0, type == CrdtType.PN_COUNTER);
    if (initial == 0) {
      return write(
          ctx, key, new Operation.Create(type, null), "create", HttpStatus.CREATED, level, token);
    }
    Operation then =
        initial > 0 ? new Operation.Increment(initial) : new Operation.Decrement(-initial);
    // An existing key keeps its value: the initial value applies only when the key is new.
    return CompletableFuture.supplyAsync(() -> store.read(key), ctx.blockingTaskExecutor())
        .thenCompose(
            r ->
                switch (r) {
                  case ReadResult.Found f when f.type() == type -> {
                    metrics.operation(type, "create");
                    yield CompletableFuture.completedFuture(
                        Responses.json(
                            HttpStatus.OK, render(key, f.state()), tokenAfterRead(token)));
                  }
                  case ReadResult.Quarantined q -> throw quarantined(key, q.reason());
                  default ->
                      write(
                          ctx,
                          key,
                          new Operation.Create(type, then),
                          "create",
                          HttpStatus.CREATED,
                          level,
                          token);
                });
  }

  private CompletableFuture<HttpResponse> writeRegister(
      ServiceRequestContext ctx, KeyRef key, RequestBody body, SessionToken token) {
    body.allow("type", "value", "context", "region", "consistency");
    Consistency level = consistency(ctx, body);
    String region = region(body.json.get("region"));
    JsonNode value = body.json.get("value");
    boolean hasType = body.json.has("type");
    if (value == null && !hasType) {
      throw ApiError.badRequest(
          "missing_field",
          "give \"type\" (lww_register or mv_register) to create the register, or \"value\" to"
              + " write it");
    }
    CrdtType type = hasType ? body.type(key.family()) : null;
    Operation.Write write = registerWrite(body);
    Operation op = type == null ? write : new Operation.Create(type, write);
    if (region != null && !region.equals(config.region())) {
      return forwarder.forward(ctx, region, body.json, token);
    }
    return write(
        ctx, key, op, write == null ? "create" : "write", HttpStatus.CREATED, level, token);
  }

  private CompletableFuture<HttpResponse> counterOp(
      ServiceRequestContext ctx, KeyRef key, String op, RequestBody body, SessionToken token) {
    body.allow("value", "consistency");
    Consistency level = consistency(ctx, body);
    long amount = body.integer("value", 1, false);
    Operation o =
        op.equals("increment") ? new Operation.Increment(amount) : new Operation.Decrement(amount);
    return write(ctx, key, o, op, HttpStatus.OK, level, token);
  }

  private CompletableFuture<HttpResponse> setOp(
      ServiceRequestContext ctx, KeyRef key, String op, RequestBody body, SessionToken token) {
    body.allow("element", "elements", "consistency");
    Consistency level = consistency(ctx, body);
    List<String> elements = body.elements(config.maxElementsPerRequest());
    Operation o = op.equals("add") ? new Operation.Add(elements) : new Operation.Remove(elements);
    return write(ctx, key, o, op, HttpStatus.OK, level, token);
  }

  private CompletableFuture<HttpResponse> delete(
      ServiceRequestContext ctx, KeyRef key, Consistency level, SessionToken token) {
    return store
        .delete(key, ctx.eventLoop().withoutContext())
        .thenCompose(
            r ->
                switch (r) {
                  case WriteResult.Written w -> {
                    metrics.operation(w.type(), "delete");
                    ObjectNode o = CanonicalJson.MAPPER.createObjectNode();
                    o.put("key", key.name());
                    o.put("type", w.type().apiName());
                    o.put("deleted", true);
                    String t = tokenAfter(token, w);
                    yield acknowledged(ctx, w, level, t, () -> Responses.json(HttpStatus.OK, o, t));
                  }
                  case WriteResult.NotFound n -> throw notFound(key);
                  case WriteResult.Quarantined q -> throw quarantined(key, q.reason());
                  default -> throw new IllegalStateException("a delete answered " + r);
                });
  }

  /** Submits a write and renders its result; {@code createdStatus} answers a key it created. */
  private CompletableFuture<HttpResponse> write(
      ServiceRequestContext ctx,
      KeyRef key,
      Operation op,
      String opName,
      HttpStatus createdStatus,
      Consistency level,
      SessionToken token) {
    // Rendered on the request's event loop, not on the store's single-threaded shard: the store
    // completes the future there, with the rest of its batch's answers for that event loop.
    return store
        .write(key, op, ctx.eventLoop().withoutContext())
        .thenCompose(
            r ->
                switch (r) {
                  case WriteResult.Written w -> {
                    metrics.operation(w.type(), opName);
                    recordConflicts(w);
                    String t = tokenAfter(token, w);
                    yield acknowledged(
                        ctx,
                        w,
                        level,
                        t,
                        () ->
                            Responses.json(
                                w.created() ? createdStatus : HttpStatus.OK,
                                render(key, w.state()),
                                t));
                  }
                  default -> throw refusal(key, r, op, opName);
                });
  }

  /** Why the store refused operation {@code op} ({@code opName}) on {@code key}. */
  static ApiError refusal(KeyRef key, WriteResult r, Operation op, String opName) {
    return switch (r) {
      case WriteResult.TypeMismatch m -> typeMismatch(key, m.actual(), op, opName);
      case WriteResult.Overflow o ->
          ApiError.conflict(
              "counter_overflow",
              key
                  + ": "
                  + o.message()
                  + "; a counter holds a signed 64-bit value and nothing was changed");
      case WriteResult.Quarantined q -> quarantined(key, q.reason());
      case WriteResult.NotFound n -> notFound(key);
      case WriteResult.Written w -> throw new IllegalArgumentException("a write is no refusal");
    };
  }

  /**
   * Answers a durable local write once its write level is met, or 503 with what was reached when
   * the write timeout runs out (the write stays applied). Replication already knows of the write:
   * the store told it with the write's batch ({@link ClusterNode#localWritten}).
   */
  private CompletableFuture<HttpResponse> acknowledged(
      ServiceRequestContext ctx,
      WriteResult.Written w,
      Consistency level,
      String token,
      Supplier<HttpResponse> ok) {
    if (w.logId() == null) {
      return CompletableFuture.completedFuture(ok.get());
    }
    WriteLevel wl = level.writeLevel();
    if (wl == WriteLevel.LOCAL) {
      return CompletableFuture.completedFuture(ok.get());
    }
    long timeoutMs = config.writeTimeoutMs();
    return cluster
        .awaitAcks(w.logId().counter(), wl, timeoutMs)
        .thenApplyAsync(
            o ->
                o.met()
                    ? ok.get()
                    : Responses.error(levelNotMet(level, timeoutMs, o, "the write is"), token),
            ctx.eventLoop());
  }

  /** 503: write level {@code level} reached only {@code o} in {@code timeoutMs}. */
  static ApiError levelNotMet(
      Consistency level, long timeoutMs, Replication.AckOutcome o, String applied) {
    return new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        "consistency_unavailable",
        "consistency level '"
            + level.apiName()
            + "' was not met within "
            + timeoutMs
            + " ms: reached "
            + o.acknowledged()
            + " of "
            + o.needed()
            + " needed replicas ("
            + o.replicas()
            + " counted); "
            + applied
            + " applied on this node and will replicate when the others are reachable");
  }

  /**
   * The register write a body asks for with {@code value} (and {@code context}), or null when it
   * has no value.
   */
  static Operation.Write registerWrite(RequestBody body) {
    JsonNode value = body.json.get("value");
    if (value == null) {
      if (body.json.has("context")) {
        throw ApiError.badRequest("invalid_field", "\"context\" goes with a \"value\" to write");
      }
      return null;
    }
    if (value.isNull()) {
      throw ApiError.badRequest(
          "null_value", "\"value\" may be any JSON value except null; to remove a key, DELETE it");
    }
    JsonNode c = body.json.get("context");
    DotContext context = c == null || c.isNull() ? null : ContextCodec.decode(c);
    return new Operation.Write(CanonicalJson.canonical(value), context);
  }

  /** Counts a write's conflicts (the store logged them with the write). */
  private void recordConflicts(WriteResult.Written w) {
    for (Conflict c : w.conflicts()) {
      metrics.conflict(w.type(), c);
    }
  }

  private String tokenAfter(SessionToken token, WriteResult.Written w) {
    return tokenAfterWrites(token, cluster, store, w.logId() == null ? 0 : w.logId().counter());
  }

  /**
   * The token after writes (a single one or a batch's): what the answer's state may show (the
   * node's coverage, taken after the writes) and the writes themselves up to sequence {@code
   * lastSeq} of this node (durable, though the node's watermark may not be past them yet; 0: none
   * was logged).
   */
  static String tokenAfterWrites(
      SessionToken token, ClusterNode cluster, RocksStore store, long lastSeq) {
    SessionToken t = token.join(cluster.coverage());
    return (lastSeq > 0 ? t.with(store.replicaId(), lastSeq) : t).encode();
  }

  private String tokenAfterRead(SessionToken token) {
    return token.join(cluster.coverage()).encode();
  }

  // ---- rendering ----

  /** The JSON of a key's state, as API.md §3 shows it. */
  static ObjectNode render(KeyRef key, Crdt<?> state) {
    ObjectNode o = CanonicalJson.MAPPER.createObjectNode();
    o.put("key", key.name());
    o.put("type", state.type().apiName());
    switch (state) {
      case GCounter g -> o.put("value", g.value());
      case PnCounter p -> o.put("value", p.value());
      case GSet s -> elements(o, s.value());
      case TwoPhaseSet s -> elements(o, s.value());
      case OrSet s -> elements(o, s.value());
      case LwwRegister r -> {
        if (r.value() == null) {
          o.putNull("value");
          o.putNull("timestamp");
        } else {
          o.putRawValue("value", new RawValue(r.value()));
          o.put("timestamp", r.timestamp().wallMs());
          o.put("logical", r.timestamp().logical());
          o.put("writer", r.writer().value());
        }
      }
      case MvRegister r -> {
        ArrayNode values = o.putArray("values");
        for (String v : r.values()) {
          values.addRawValue(new RawValue(v));
        }
        o.set("context", ContextCodec.encode(r.context()));
      }
    }
    return o;
  }

  private static void elements(ObjectNode o, List<String> elements) {
    ArrayNode arr = o.putArray("elements");
    for (String e : elements) {
      arr.addRawValue(new RawValue(e));
    }
    o.put("size", elements.size());
  }

  // ---- validation ----

  static Family family(String name) {
    Family f = Family.fromApiName(name);
    if (f == null) {
      throw ApiError.badRequest(
          "unknown_family", "unknown family '" + name + "'; use counters, sets or registers");
    }
    return f;
  }

  private KeyRef key(ServiceRequestContext ctx, Family family, String name) {
    // Armeria folds "//" into "/": an empty key segment must not become the next segment's name.
    String raw = ctx.rawPath();
    int q = raw.indexOf('?');
    boolean emptySegment = (q < 0 ? raw : raw.substring(0, q)).contains("//");
    return keyRef(family, emptySegment ? "" : name, config.maxKeyBytes());
  }

  /** Key {@code name} of {@code family}, if it is 1 to {@code maxKeyBytes} bytes of UTF-8. */
  static KeyRef keyRef(Family family, String name, int maxKeyBytes) {
    int bytes = name == null ? 0 : name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes == 0 || bytes > maxKeyBytes) {
      throw ApiError.badRequest(
          "invalid_key",
          "a key name is 1 to "
              + maxKeyBytes
              + " bytes of UTF-8 after percent-decoding, got "
              + bytes);
    }
    return KeyRef.of(family, name);
  }

  private static void requireMethod(ServiceRequestContext ctx, HttpMethod m) {
    if (ctx.method() != m) {
      throw methodNotAllowed(ctx.method(), m.name());
    }
  }

  private static ApiError methodNotAllowed(HttpMethod m, String allowed) {
    return new ApiError(
        HttpStatus.METHOD_NOT_ALLOWED,
        "method_not_allowed",
        m + " is not served here; use " + allowed);
  }

  static Consistency consistency(ServiceRequestContext ctx, RequestBody body) {
    JsonNode c = body.json.get("consistency");
    if (c != null && !c.isTextual()) {
      throw ApiError.badRequest(
          "invalid_field", "\"consistency\" is a string such as \"eventual\"");
    }
    return Consistency.resolveWrite(
        ctx.queryParam("consistency"), c == null ? null : c.textValue());
  }

  /** The region a register write names, or null; unknown regions are refused when forwarding. */
  private static String region(JsonNode r) {
    if (r == null) {
      return null;
    }
    if (!r.isTextual() || r.textValue().isEmpty()) {
      throw ApiError.badRequest("invalid_field", "\"region\" is a region name such as \"us-east\"");
    }
    return r.textValue();
  }

  static ApiError notFound(KeyRef key) {
    return ApiError.notFound(
        "not_found", "no key " + key + "; create it with POST /crdt/" + key + " or write to it");
  }

  static ApiError quarantined(KeyRef key, String reason) {
    return new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        "quarantined",
        "key "
            + key
            + " is stored corrupt ("
            + reason
            + ") and is quarantined until anti-entropy repairs it from a replica; retry later");
  }

  static ApiError typeMismatch(KeyRef key, CrdtType actual, Operation op, String opName) {
    String msg =
        op instanceof Operation.Create c
            ? key + " exists as a " + actual.apiName() + ", not a " + c.type().apiName()
            : key
                + " is a "
                + actual.apiName()
                + ", which does not support '"
                + opName
                + "'"
                + switch (actual) {
                  case G_COUNTER -> "; use a pn_counter to decrement";
                  case G_SET -> "; use a two_phase_set or or_set to remove";
                  default -> "";
                };
    return ApiError.conflict("type_mismatch", msg + "; delete it first to change its type");
  }
}
