package io.geodatastore.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.geodatastore.cluster.MemberInfo;
import io.geodatastore.cluster.NodeId;
import io.geodatastore.cluster.repair.AntiEntropy;
import io.geodatastore.cluster.repair.JobStatus;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.node.cluster.ClusterNode;
import io.geodatastore.node.cluster.Faults;
import io.geodatastore.storage.ConflictRecord;
import io.geodatastore.storage.StorageStats;
import io.geodatastore.storage.rocksdb.RocksStore;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API of API.md §5: status with the membership view, replication lag per peer and region,
 * recent conflicts, anti-entropy jobs (full sync, region sync) and their progress, and — with
 * {@code --enable-fault-injection} — partition, latency and clock faults.
 */
final class AdminService {

  private static final Logger log = LoggerFactory.getLogger(AdminService.class);

  static final int CONFLICTS_LIMIT_DEFAULT = 100;

  private final RocksStore store;
  private final NodeConfig config;
  private final AtomicLong clockOffsetMs;
  private final LongSupplier wallClockMs;
  private final long startedMs;
  private final String version;
  private volatile String httpAddress = "";
  private final ClusterNode cluster;
  private final Faults faults;

  AdminService(
      RocksStore store,
      NodeConfig config,
      AtomicLong clockOffsetMs,
      LongSupplier wallClockMs,
      String version,
      ClusterNode cluster,
      Faults faults) {
    this.cluster = cluster;
    this.faults = faults;
    this.store = store;
    this.config = config;
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
        cluster
            .view()
            .thenApplyAsync(
                view -> Responses.json(HttpStatus.OK, statusBody(view)),
                ctx.blockingTaskExecutor()));
  }

  private ObjectNode statusBody(List<MemberInfo> view) {
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
    node.put("advertise", cluster.advertise().toString());
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
    long nowMono = cluster.nowMs();
    for (MemberInfo m : view) {
      boolean isSelf = m.nodeId().value().equals(config.nodeId());
      ObjectNode row = members.addObject();
      row.put("node_id", m.nodeId().value());
      row.put("region", m.region());
      row.put("address", m.address().toString());
      row.put("state", m.state().label());
      row.put("incarnation", m.incarnation());
      row.put("self", isSelf);
      if (isSelf) {
        row.put("http", httpAddress);
        row.put("last_contact_seconds_ago", 0.0);
        row.put("last_contact", Instant.ofEpochMilli(now).toString());
      } else if (m.lastContactMs().isPresent()) {
        long ageMs = Math.max(0, nowMono - m.lastContactMs().getAsLong());
        row.put("last_contact_seconds_ago", ageMs / 1000.0);
        row.put("last_contact", Instant.ofEpochMilli(now - ageMs).toString());
      } else {
        row.putNull("last_contact_seconds_ago");
        row.putNull("last_contact");
      }
    }
    return o;
  }

  HttpResponse replicationLag(ServiceRequestContext ctx, HttpRequest req) {
    if (ctx.method() != HttpMethod.GET) {
      return methodNotAllowed(ctx, "GET");
    }
    return HttpResponse.of(
        cluster
            .lag()
            .thenCombine(cluster.stability(), Map::entry)
            .thenApply(
                both -> {
                  List<ClusterNode.PeerLag> peers = both.getKey();
                  ObjectNode o = CanonicalJson.MAPPER.createObjectNode();
                  o.put("node_id", config.nodeId());
                  o.put("region", config.region());
                  o.put("last_sequence", store.lastSequence());
                  ArrayNode arr = o.putArray("peers");
                  Map<String, long[]> counts = new TreeMap<>();
                  Map<String, Double> ages = new TreeMap<>();
                  for (ClusterNode.PeerLag p : peers) {
                    ObjectNode row = arr.addObject();
                    row.put("peer", p.peer());
                    row.put("region", p.region());
                    row.put("up", p.up());
                    row.put("unacknowledged_deltas", p.unacknowledged());
                    row.put("oldest_unacknowledged_age_seconds", p.oldestAgeSeconds());
                    row.put("acknowledged_through", p.acknowledged());
                    row.put("bytes_sent", p.bytesSent());
                    row.put("bytes_received", p.bytesReceived());
                    row.put("needs_catch_up", p.needsCatchUp());
                    long[] c = counts.computeIfAbsent(p.region(), k -> new long[3]);
                    c[0]++;
                    c[1] += p.unacknowledged();
                    c[2] += p.bytesSent();
                    ages.merge(p.region(), p.oldestAgeSeconds(), Math::max);
                  }
                  ArrayNode regions = o.putArray("regions");
                  counts.forEach(
                      (region, c) -> {
                        ObjectNode row = regions.addObject();
                        row.put("region", region);
                        row.put("peers", c[0]);
                        row.put("unacknowledged_deltas", c[1]);
                        row.put("oldest_unacknowledged_age_seconds", ages.get(region));
                        row.put("bytes_sent", c[2]);
                      });
                  stability(o.putObject("stability"), both.getValue());
                  return Responses.json(HttpStatus.OK, o);
                }));
  }

  /** Causal stability: what this node's deletes wait for, and what it applies. */
  private void stability(ObjectNode o, ClusterNode.StabilityFigures f) {
    o.put("stable_sequence", f.stableSequence());
    o.put("collectable_sequence", f.collectableSequence());
    ObjectNode horizon = o.putObject("horizon");
    f.horizon().forEach(horizon::put);
    ArrayNode holes = o.putArray("holes");
    f.holes()
        .forEach(
            (origin, ranges) -> {
              for (long[] r : ranges) {
                ObjectNode h = holes.addObject();
                h.put("origin", origin);
                h.put("from", r[0]);
                h.put("to", r[1]);
              }
            });
    ArrayNode members = o.putArray("members");
    f.members()
        .forEach(
            (id, m) -> {
              ObjectNode row = members.addObject();
              row.put("node_id", id);
              row.put("complete_through", m[0]);
              row.put("fence", m[1]);
            });
  }

  HttpResponse conflicts(ServiceRequestContext ctx, HttpRequest req) {
    if (ctx.method() != HttpMethod.GET) {
      return methodNotAllowed(ctx, "GET");
    }
    String key = ctx.queryParam("key");
    String familyText = ctx.queryParam("family");
    Family family = null;
    if (familyText != null) {
      family = Family.fromApiName(familyText);
      if (family == null) {
        return Responses.error(
            HttpStatus.BAD_REQUEST,
            "unknown_family",
            "family is counters, sets or registers, got '" + familyText + "'");
      }
    }
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
    for (ConflictRecord e : store.conflicts(family, key, limit)) {
      ObjectNode c = arr.addObject();
      c.put("family", e.key().family().apiName());
      c.put("key", e.key().name());
      c.put("type", e.type().apiName());
      c.put("reason", e.conflict().kind().reason());
      c.put("detail", e.conflict().detail());
      ArrayNode values = c.putArray("values");
      for (String v : e.conflict().values()) {
        values.add(CanonicalJson.parseValue(v));
      }
      ArrayNode replicas = c.putArray("replicas");
      for (ReplicaId r : e.conflict().replicas()) {
        replicas.add(r.value());
      }
      c.put("time", Instant.ofEpochMilli(e.atMs()).toString());
    }
    return Responses.json(HttpStatus.OK, o);
  }

  /** {@code POST /admin/anti-entropy/full-sync}: a job comparing trees with every alive replica. */
  HttpResponse fullSync(ServiceRequestContext ctx, HttpRequest req) {
    if (ctx.method() != HttpMethod.POST) {
      return methodNotAllowed(ctx, "POST");
    }
    return startSync(null);
  }

  /** {@code POST /admin/sync/regions/{region}}: the same with every alive replica of a region. */
  HttpResponse syncRegion(ServiceRequestContext ctx, HttpRequest req) {
    if (ctx.method() != HttpMethod.POST) {
      return methodNotAllowed(ctx, "POST");
    }
    return startSync(ctx.pathParam("region"));
  }

  private HttpResponse startSync(String region) {
    return HttpResponse.of(
        cluster
            .startSync(region)
            .thenApply(
                started ->
                    switch (started) {
                      case AntiEntropy.JobStart.Started s -> {
                        log.info(
                            "anti-entropy job {} started: {} with {}",
                            s.status().id(),
                            s.status().kind(),
                            s.status().peers());
                        yield Responses.json(HttpStatus.ACCEPTED, jobBody(s.status()));
                      }
                      case AntiEntropy.JobStart.UnknownRegion u ->
                          Responses.error(
                              HttpStatus.NOT_FOUND,
                              "unknown_region",
                              "region '"
                                  + region
                                  + "' is not known to the cluster; known regions: "
                                  + u.known());
                    }));
  }

  /**
   * {@code DELETE /admin/members/{id}}: removes a member that left or died for good from the view
   * and from causal stability, here and (by gossip) everywhere, so that the garbage-collection
   * horizon stops waiting for it. 404 for a member no one here knows, 409 for one alive or suspect
   * (or this node itself).
   */
  HttpResponse removeMember(ServiceRequestContext ctx, HttpRequest req) {
    if (ctx.method() != HttpMethod.DELETE) {
      return methodNotAllowed(ctx, "DELETE");
    }
    String id = ctx.pathParam("id");
    NodeId nodeId;
    try {
      nodeId = NodeId.of(id);
    } catch (IllegalArgumentException e) {
      return unknownMember(id);
    }
    return HttpResponse.of(
        cluster
            .removeMember(nodeId)
            .thenApply(
                r ->
                    switch (r) {
                      case ClusterNode.Removal.Unknown u -> unknownMember(id);
                      case ClusterNode.Removal.Self s ->
                          Responses.error(
                              HttpStatus.CONFLICT,
                              "member_is_self",
                              "a node cannot remove itself; ask another node");
                      case ClusterNode.Removal.Active a ->
                          Responses.error(
                              HttpStatus.CONFLICT,
                              "member_alive",
                              "member '"
                                  + id
                                  + "' is "
                                  + a.member().state().label()
                                  + "; stop it before removing it");
                      case ClusterNode.Removal.Removed m -> {
                        log.info(
                            "member {} removed by an operator (was {}, {} by causal stability)",
                            id,
                            m.member().map(x -> x.state().label()).orElse("no longer in the view"),
                            m.fromStability() ? "awaited" : "not awaited");
                        yield Responses.json(HttpStatus.OK, removedBody(m));
                      }
                    }));
  }

  private static HttpResponse unknownMember(String id) {
    return Responses.error(
        HttpStatus.NOT_FOUND, "unknown_member", "no member '" + id + "' is known to this node");
  }

  private static ObjectNode removedBody(ClusterNode.Removal.Removed m) {
    ObjectNode o = CanonicalJson.MAPPER.createObjectNode();
    o.put("node_id", m.nodeId().value());
    if (m.member().isPresent()) {
      o.put("region", m.member().get().region());
      o.put("address", m.member().get().address().toString());
      o.put("state", m.member().get().state().label());
    }
    ArrayNode from = o.putArray("removed_from");
    if (m.member().isPresent()) {
      from.add("membership");
    }
    if (m.fromStability()) {
      from.add("stability");
    }
    return o;
  }

  /** {@code GET /admin/anti-entropy/jobs/{id}}: a job's progress. */
  HttpResponse syncJob(ServiceRequestContext ctx, HttpRequest req) {
    if (ctx.method() != HttpMethod.GET) {
      return methodNotAllowed(ctx, "GET");
    }
    String id = ctx.pathParam("id");
    return HttpResponse.of(
        cluster
            .syncJob(id)
            .thenApply(
                job ->
                    job.map(j -> Responses.json(HttpStatus.OK, jobBody(j)))
                        .orElseGet(
                            () ->
                                Responses.error(
                                    HttpStatus.NOT_FOUND,
                                    "unknown_job",
                                    "no anti-entropy job '"
                                        + id
                                        + "' on this node (jobs are kept per node, the last "
                                        + "finished ones only)"))));
  }

  static ObjectNode jobBody(JobStatus j) {
    ObjectNode o = CanonicalJson.MAPPER.createObjectNode();
    o.put("id", j.id());
    o.put("kind", j.kind());
    if (j.region() != null) {
      o.put("region", j.region());
    }
    o.put("state", j.state());
    ArrayNode peers = o.putArray("peers");
    j.peers().forEach(peers::add);
    ArrayNode exchanges = o.putArray("exchanges");
    j.outcomes()
        .forEach(
            (peer, outcome) -> exchanges.addObject().put("peer", peer).put("outcome", outcome));
    o.put("ranges_compared", j.rangesCompared());
    o.put("keys_repaired", j.keysRepaired());
    o.put("bytes", j.bytes());
    o.put("started_at", Instant.ofEpochMilli(j.startedAtMs()).toString());
    if (j.finishedAtMs() >= 0) {
      o.put("finished_at", Instant.ofEpochMilli(j.finishedAtMs()).toString());
    } else {
      o.putNull("finished_at");
    }
    return o;
  }

  // ---- fault injection (only routed with --enable-fault-injection) ----

  HttpResponse partitionFault(ServiceRequestContext ctx, HttpRequest req) {
    if (ctx.method() != HttpMethod.POST) {
      return methodNotAllowed(ctx, "POST");
    }
    return withBody(
        req,
        body -> {
          java.util.Set<String> regions = names(body, "isolate");
          java.util.Set<String> nodes = names(body, "nodes");
          for (java.util.Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("isolate") && !f.equals("nodes")) {
              throw ApiError.badRequest(
                  "unknown_field", "unknown field \"" + f + "\"; give isolate and/or nodes");
            }
          }
          if (regions.isEmpty() && nodes.isEmpty()) {
            throw ApiError.badRequest(
                "missing_field",
                "give {\"isolate\":[\"region\",…]} and/or {\"nodes\":[\"node-id\",…]}");
          }
          faults.isolate(regions, nodes);
          log.warn("fault injection: partitioned from regions {} and nodes {}", regions, nodes);
          return Responses.json(HttpStatus.OK, faultsBody());
        });
  }

  HttpResponse latencyFault(ServiceRequestContext ctx, HttpRequest req) {
    if (ctx.method() != HttpMethod.POST) {
      return methodNotAllowed(ctx, "POST");
    }
    return withBody(
        req,
        body -> {
          JsonNode region = body.get("region");
          if (region == null || !region.isTextual() || region.textValue().isEmpty()) {
            throw ApiError.badRequest(
                "invalid_field",
                "give {\"region\":\"R\",\"ms\":N,\"jitter_ms\":J}: region is a region name");
          }
          long ms = millis(body, "ms", true);
          long jitter = millis(body, "jitter_ms", false);
          faults.latency(region.textValue(), ms, jitter);
          log.warn(
              "fault injection: {} ms (+0..{} ms) towards region {}",
              ms,
              jitter,
              region.textValue());
          return Responses.json(HttpStatus.OK, faultsBody());
        });
  }

  private static java.util.Set<String> names(JsonNode body, String field) {
    JsonNode a = body.get(field);
    java.util.Set<String> out = new java.util.TreeSet<>();
    if (a == null) {
      return out;
    }
    if (!a.isArray()) {
      throw ApiError.badRequest("invalid_field", "\"" + field + "\" is an array of names");
    }
    for (JsonNode n : a) {
      if (!n.isTextual() || n.textValue().isEmpty()) {
        throw ApiError.badRequest("invalid_field", "\"" + field + "\" holds names (strings)");
      }
      out.add(n.textValue());
    }
    return out;
  }

  private static long millis(JsonNode body, String field, boolean required) {
    JsonNode v = body.get(field);
    if (v == null && !required) {
      return 0;
    }
    if (v == null
        || !v.isIntegralNumber()
        || !v.canConvertToLong()
        || v.longValue() < 0
        || v.longValue() > 60_000) {
      throw ApiError.badRequest(
          "invalid_field", "\"" + field + "\" is a whole number of milliseconds, 0 to 60000");
    }
    return v.longValue();
  }

  private static HttpResponse withBody(
      HttpRequest req, java.util.function.Function<JsonNode, HttpResponse> f) {
    return withBody(req, f, Runnable::run);
  }

  /** Parses the body as JSON and answers with {@code f} on {@code executor}; errors as JSON. */
  private static HttpResponse withBody(
      HttpRequest req,
      java.util.function.Function<JsonNode, HttpResponse> f,
      java.util.concurrent.Executor executor) {
    return HttpResponse.of(
        req.aggregate()
            .thenApplyAsync(
                agg -> {
                  try {
                    return f.apply(CanonicalJson.parseBody(agg.content().array()));
                  } catch (ApiError e) {
                    return Responses.error(e, null);
                  }
                },
                executor)
            .exceptionally(
                t ->
                    Responses.error(
                        HttpStatus.REQUEST_ENTITY_TOO_LARGE,
                        "body_too_large",
                        "the body is larger than the limit")));
  }

  /**
   * {@code POST /admin/snapshot {"dir": PATH}}: a consistent RocksDB checkpoint of this running
   * node into PATH (which must not exist yet); {@code geods restore} starts a node from it.
   */
  HttpResponse snapshot(ServiceRequestContext ctx, HttpRequest req) {
    if (ctx.method() != HttpMethod.POST) {
      return methodNotAllowed(ctx, "POST");
    }
    return withBody(req, this::snapshotTo, ctx.blockingTaskExecutor());
  }

  private HttpResponse snapshotTo(JsonNode body) {
    JsonNode dir = body.get("dir");
    if (dir == null || !dir.isTextual() || dir.asText().isBlank()) {
      throw ApiError.badRequest(
          "invalid_field", "give {\"dir\": PATH}, a directory that does not exist yet");
    }
    java.nio.file.Path path;
    try {
      path = java.nio.file.Path.of(dir.asText()).toAbsolutePath();
    } catch (java.nio.file.InvalidPathException e) {
      throw ApiError.badRequest("invalid_field", "not a path: " + e.getMessage());
    }
    if (java.nio.file.Files.exists(path)) {
      throw ApiError.conflict("exists", path + " exists; a snapshot goes into a new directory");
    }
    store.checkpoint(path);
    ObjectNode o = CanonicalJson.MAPPER.createObjectNode();
    o.put("dir", path.toString());
    o.put("replica_id", store.replicaId().value());
    o.put("last_sequence", store.lastSequence());
    return Responses.json(HttpStatus.OK, o);
  }

  HttpResponse clockFault(ServiceRequestContext ctx, HttpRequest req) {
    if (ctx.method() != HttpMethod.POST) {
      return methodNotAllowed(ctx, "POST");
    }
    return withBody(
        req,
        body -> {
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
        });
  }

  HttpResponse healFaults(ServiceRequestContext ctx, HttpRequest req) {
    if (ctx.method() != HttpMethod.DELETE) {
      return methodNotAllowed(ctx, "DELETE");
    }
    clockOffsetMs.set(0);
    faults.heal();
    log.info("fault injection: all faults healed");
    return Responses.json(HttpStatus.OK, faultsBody());
  }

  private ObjectNode faultsBody() {
    ObjectNode o = CanonicalJson.MAPPER.createObjectNode();
    o.put("clock_offset_ms", clockOffsetMs.get());
    o.put("wall_clock_ms", wallClockMs.getAsLong());
    Faults.Snapshot f = faults.snapshot();
    ArrayNode isolate = o.putArray("isolate");
    f.isolatedRegions().stream().sorted().forEach(isolate::add);
    ArrayNode nodes = o.putArray("nodes");
    f.isolatedNodes().stream().sorted().forEach(nodes::add);
    ObjectNode latency = o.putObject("latency");
    new TreeMap<>(f.latency())
        .forEach(
            (region, l) ->
                latency.putObject(region).put("ms", l.ms()).put("jitter_ms", l.jitterMs()));
    return o;
  }

  static HttpResponse methodNotAllowed(ServiceRequestContext ctx, String allowed) {
    return Responses.error(
        HttpStatus.METHOD_NOT_ALLOWED,
        "method_not_allowed",
        ctx.method() + " is not served at " + ctx.path() + "; use " + allowed);
  }
}
