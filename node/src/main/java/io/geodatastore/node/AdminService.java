package io.geodatastore.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.storage.StorageStats;
import io.geodatastore.storage.rocksdb.RocksStore;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API of API.md §5 as far as one node goes: status, replication lag (no peers), recent
 * conflicts, and — with {@code --enable-fault-injection} — the clock fault. What needs the cluster
 * (anti-entropy, region sync, partition and latency faults) answers 501 {@code not_implemented}
 * saying so, rather than pretending.
 */
final class AdminService {

  private static final Logger log = LoggerFactory.getLogger(AdminService.class);

  static final int CONFLICTS_LIMIT_DEFAULT = 100;

  private final RocksStore store;
  private final NodeConfig config;
  private final ConflictLog conflicts;
  private final AtomicLong clockOffsetMs;
  private final LongSupplier wallClockMs;
  private final long startedMs;
  private final String version;
  private volatile String httpAddress = "";

  AdminService(
      RocksStore store,
      NodeConfig config,
      ConflictLog conflicts,
      AtomicLong clockOffsetMs,
      LongSupplier wallClockMs,
      String version) {
    this.store = store;
    this.config = config;
    this.conflicts = conflicts;
    this.clockOffsetMs = clockOffsetMs;
    this.wallClockMs = wallClockMs;
    this.startedMs = System.currentTimeMillis();
    this.version = version;
  }

  void httpAddress(String address) {
    this.httpAddress = address;
  }

  HttpResponse status(ServiceRequestContext ctx, HttpRequest req) {
    if (ctx.method() != HttpMethod.GET) {
      return methodNotAllowed(ctx, "GET");
    }
    return HttpResponse.of(
        CompletableFuture.supplyAsync(
            () -> Responses.json(HttpStatus.OK, statusBody()), ctx.blockingTaskExecutor()));
  }

  private ObjectNode statusBody() {
    long now = System.currentTimeMillis();
    ObjectNode o = CanonicalJson.MAPPER.createObjectNode();
    ObjectNode node = o.putObject("node");
    node.put("id", config.nodeId());
    node.put("region", config.region());
    node.put("replica_id", store.replicaId().value());
    node.put("version", version);
    node.put("started_at", Instant.ofEpochMilli(startedMs).toString());
    node.put("uptime_seconds", (now - startedMs) / 1000.0);
    node.put("http", httpAddress);
    node.put("peer", config.peer().toString());
    node.put("advertise", config.advertise().toString());
    ArrayNode seeds = node.putArray("seeds");
    config.seeds().forEach(s -> seeds.add(s.toString()));
    node.put("durability", config.durability().name().toLowerCase(java.util.Locale.ROOT));
    node.put("clock_offset_ms", clockOffsetMs.get());
    StorageStats stats = store.stats();
    ObjectNode keys = node.putObject("keys");
    long total = 0;
    for (CrdtType t : CrdtType.values()) {
      StorageStats.TypeStats ts = stats.types().get(t);
      long n = ts == null ? 0 : ts.liveKeys();
      keys.put(t.apiName(), n);
      total += n;
    }
    keys.put("total", total);
    node.put("quarantined_keys", stats.quarantined());
    node.put("last_sequence", stats.lastSequence());
    ArrayNode members = o.putArray("members");
    ObjectNode self = members.addObject();
    self.put("node_id", config.nodeId());
    self.put("region", config.region());
    self.put("replica_id", store.replicaId().value());
    self.put("address", config.advertise().toString());
    self.put("http", httpAddress);
    self.put("state", "alive");
    self.put("self", true);
    self.put("last_contact", Instant.ofEpochMilli(now).toString());
    return o;
  }

  HttpResponse replicationLag(ServiceRequestContext ctx, HttpRequest req) {
    if (ctx.method() != HttpMethod.GET) {
      return methodNotAllowed(ctx, "GET");
    }
    ObjectNode o = CanonicalJson.MAPPER.createObjectNode();
    o.put("node_id", config.nodeId());
    o.put("region", config.region());
    o.putArray("peers");
    o.putArray("regions");
    o.put("note", "no peers: replication arrives with the cluster");
    return Responses.json(HttpStatus.OK, o);
  }

  HttpResponse conflicts(ServiceRequestContext ctx, HttpRequest req) {
    if (ctx.method() != HttpMethod.GET) {
      return methodNotAllowed(ctx, "GET");
    }
    String key = ctx.queryParam("key");
    String limitText = ctx.queryParam("limit");
    int limit = CONFLICTS_LIMIT_DEFAULT;
    if (limitText != null) {
      try {
        limit = Integer.parseInt(limitText);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > 1000) {
        return Responses.error(
            HttpStatus.BAD_REQUEST,
            "invalid_field",
            "limit is a whole number from 1 to 1000, got '" + limitText + "'");
      }
    }
    ObjectNode o = CanonicalJson.MAPPER.createObjectNode();
    ArrayNode arr = o.putArray("conflicts");
    for (ConflictLog.Entry e : conflicts.recent(key, limit)) {
      ObjectNode c = arr.addObject();
      c.put("family", e.key().family().apiName());
      c.put("key", e.key().name());
      c.put("type", e.type().apiName());
      c.put("reason", e.kind().reason());
      c.put("detail", e.detail());
      ArrayNode values = c.putArray("values");
      for (String v : e.values()) {
        values.add(CanonicalJson.parseValue(v));
      }
      ArrayNode replicas = c.putArray("replicas");
      for (ReplicaId r : e.replicas()) {
        replicas.add(r.value());
      }
      c.put("time", Instant.ofEpochMilli(e.atMs()).toString());
    }
    return Responses.json(HttpStatus.OK, o);
  }

  /** Anti-entropy and region sync: nothing to compare with until the cluster exists. */
  HttpResponse needsCluster(ServiceRequestContext ctx, HttpRequest req) {
    return Responses.error(
        HttpStatus.NOT_IMPLEMENTED,
        "not_implemented",
        ctx.path() + " needs the replicated cluster, which this build does not have yet");
  }

  HttpResponse syncRegion(ServiceRequestContext ctx, HttpRequest req) {
    String region = ctx.pathParam("region");
    if (!config.region().equals(region)) {
      return Responses.error(
          HttpStatus.NOT_FOUND,
          "unknown_region",
          "region '"
              + region
              + "' is not known to this node (it knows only '"
              + config.region()
              + "')");
    }
    return needsCluster(ctx, req);
  }

  // ---- fault injection (only routed with --enable-fault-injection) ----

  HttpResponse faultNeedsTransport(ServiceRequestContext ctx, HttpRequest req) {
    return Responses.error(
        HttpStatus.NOT_IMPLEMENTED,
        "not_implemented",
        ctx.path()
            + " acts on node-to-node traffic, which arrives with the cluster; only"
            + " /admin/faults/clock works in this build");
  }

  HttpResponse clockFault(ServiceRequestContext ctx, HttpRequest req) {
    if (ctx.method() != HttpMethod.POST) {
      return methodNotAllowed(ctx, "POST");
    }
    return HttpResponse.of(
        req.aggregate()
            .thenApply(
                agg -> {
                  try {
                    JsonNode body = CanonicalJson.parseBody(agg.content().array());
                    JsonNode off = body.get("offset_ms");
                    if (off == null
                        || !off.isIntegralNumber()
                        || !off.canConvertToLong()
                        || Math.abs(off.longValue()) > 365L * 24 * 3600 * 1000) {
                      throw ApiError.badRequest(
                          "invalid_field",
                          "give {\"offset_ms\":N}, a whole number of milliseconds within a year");
                    }
                    clockOffsetMs.set(off.longValue());
                    log.warn("fault injection: wall clock offset set to {} ms", off.longValue());
                    return Responses.json(HttpStatus.OK, faultsBody());
                  } catch (ApiError e) {
                    return Responses.error(e, null);
                  }
                })
            .exceptionally(
                t ->
                    Responses.error(
                        HttpStatus.REQUEST_ENTITY_TOO_LARGE,
                        "body_too_large",
                        "the body is larger than the limit")));
  }

  HttpResponse healFaults(ServiceRequestContext ctx, HttpRequest req) {
    if (ctx.method() != HttpMethod.DELETE) {
      return methodNotAllowed(ctx, "DELETE");
    }
    clockOffsetMs.set(0);
    log.info("fault injection: all faults healed");
    return Responses.json(HttpStatus.OK, faultsBody());
  }

  private ObjectNode faultsBody() {
    ObjectNode o = CanonicalJson.MAPPER.createObjectNode();
    o.put("clock_offset_ms", clockOffsetMs.get());
    o.put("wall_clock_ms", wallClockMs.getAsLong());
    return o;
  }

  static HttpResponse methodNotAllowed(ServiceRequestContext ctx, String allowed) {
    return Responses.error(
        HttpStatus.METHOD_NOT_ALLOWED,
        "method_not_allowed",
        ctx.method() + " is not served at " + ctx.path() + "; use " + allowed);
  }
}
