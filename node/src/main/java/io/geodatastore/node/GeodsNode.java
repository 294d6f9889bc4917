package io.geodatastore.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.ExchangeType;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.HttpStatusException;
import com.linecorp.armeria.server.RoutingContext;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceBindingBuilder;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.geodatastore.cluster.NodeAddress;
import io.geodatastore.cluster.NodeId;
import io.geodatastore.cluster.membership.MembershipOptions;
import io.geodatastore.cluster.repair.AntiEntropyOptions;
import io.geodatastore.cluster.replication.ReplicationOptions;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.crdt.Conflict;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.node.cluster.ClusterNode;
import io.geodatastore.node.cluster.Faults;
import io.geodatastore.node.cluster.GrpcTransport;
import io.geodatastore.node.cluster.MergeListener;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.MergeResult;
import io.geodatastore.storage.StoreConfig;
import io.geodatastore.storage.rocksdb.RocksStore;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running node: the store, the metrics and the HTTP server, wired together. {@link #start}
 * returns once the node serves; {@link #close} stops it cleanly (stops accepting HTTP, lets
 * in-flight requests finish, then closes the store, which finishes its queued batches).
 */
public final class GeodsNode implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(GeodsNode.class);

  /** How long graceful shutdown waits for quiet, and at most, before closing connections. */
  static final Duration SHUTDOWN_QUIET = Duration.ofMillis(200);

  static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

  /** How long a stopping node waits at most for its departure to be gossiped. */
  static final long LEAVE_WAIT_MS = 3_000;

  private final NodeConfig config;
  private final RocksStore store;
  private final NodeMetrics metrics;
  private final Server server;
  private final ClusterNode cluster;
  private final Maintenance maintenance;
  private final MerkleVerification merkleVerification; // null: never
  private final AtomicBoolean ready = new AtomicBoolean();
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();

  private GeodsNode(
      NodeConfig config,
      RocksStore store,
      NodeMetrics metrics,
      Server server,
      ClusterNode cluster,
      Maintenance maintenance,
      MerkleVerification merkleVerification) {
    this.cluster = cluster;
    this.maintenance = maintenance;
    this.merkleVerification = merkleVerification;
    this.config = config;
    this.store = store;
    this.metrics = metrics;
    this.server = server;
  }

  /** Opens the store and starts serving; returns once HTTP is up. */
  public static GeodsNode start(NodeConfig config) {
    AtomicLong clockOffsetMs = new AtomicLong();
    LongSupplier wallClockMs = () -> System.currentTimeMillis() + clockOffsetMs.get();
    StoreConfig sc =
        StoreConfig.defaults(config.dataDir(), config.nodeId())
            .withDurability(config.durability())
            .withShards(config.shards())
            .withWallClock(wallClockMs)
            .withConflictLog(config.conflictLogMax(), config.conflictLogMaxAgeHours() * 3_600_000L);
    RocksStore store = RocksStore.open(sc);
    NodeMetrics metrics = new NodeMetrics(config.region());
    ClusterNode cluster = null;
    Maintenance maintenance = null;
    MerkleVerification merkleVerification = null;
    try {
      metrics.bindStore(store);
      Faults faults = new Faults();
      Forwarder forwarder = new Forwarder(config);
      cluster =
          ClusterNode.start(
              clusterSettings(config),
              store,
              wallClockMs,
              faults,
              new MergeListener() {
                @Override
                public void merged(KeyRef key, CrdtType type, MergeResult merged) {
                  // The store logged them with the merge; here they are only counted.
                  for (Conflict c : merged.conflicts()) {
                    metrics.conflict(type, c);
                  }
                }

                @Override
                public void replicated(HlcTimestamp writtenAt) {
                  metrics.propagated(wallClockMs.getAsLong() - writtenAt.wallMs());
                }
              },
              forwarder::apply);
      forwarder.cluster(cluster);
      metrics.bindCluster(cluster);
      GeodsNode[] self = new GeodsNode[1];
      DataService data =
          new DataService(store, config, metrics, () -> self[0].stopping.get(), cluster, forwarder);
      AdminService admin =
          new AdminService(store, config, clockOffsetMs, wallClockMs, version(), cluster, faults);
      ServerBuilder sb = Server.builder();
      sb.http(new InetSocketAddress(config.http().host(), config.http().port()))
          .maxRequestLength(config.maxBodyBytes())
          .meterRegistry(metrics.registry())
          .gracefulShutdownTimeout(SHUTDOWN_QUIET, SHUTDOWN_TIMEOUT)
          .errorHandler(new JsonErrorHandler(config.maxBodyBytes()))
          .childChannelPipelineCustomizer(GeodsNode::consolidateFlushes);
      route(sb, "/crdt/batch", "crdt.batch", data::serveBatch);
      route(sb, "/crdt/{family}", "crdt.list", data::serveFamily);
      route(sb, "/crdt/{family}/{key}", "crdt.key", data::serveKey);
      route(sb, "/crdt/{family}/", "crdt.empty_key", data::serveEmptyKey);
      route(sb, "/crdt/{family}/{key}/{operation}", "crdt.operation", data::serveOperation);
      route(
          sb,
          "/health/live",
          "health.live",
          (ctx, req) -> Responses.json(HttpStatus.OK, status("alive")));
      route(
          sb,
          "/health/ready",
          "health.ready",
          (ctx, req) ->
              self[0].ready.get()
                  ? Responses.json(HttpStatus.OK, status("ready"))
                  : Responses.error(
                      HttpStatus.SERVICE_UNAVAILABLE,
                      "not_ready",
                      "the node is starting or stopping; retry shortly"));
      route(
          sb,
          "/metrics",
          "metrics",
          (ctx, req) ->
              HttpResponse.of(
                  CompletableFuture.supplyAsync(
                      () ->
                          HttpResponse.of(
                              HttpStatus.OK,
                              MediaType.parse("text/plain; version=0.0.4; charset=utf-8"),
                              metrics.scrape()),
                      ctx.blockingTaskExecutor())));
      route(sb, "/admin/status", "admin.status", admin::status);
      route(sb, "/admin/replication/lag", "admin.replication_lag", admin::replicationLag);
      route(sb, "/admin/conflicts", "admin.conflicts", admin::conflicts);
      route(sb, "/admin/snapshot", "admin.snapshot", admin::snapshot);
      route(sb, "/admin/anti-entropy/full-sync", "admin.anti_entropy", admin::fullSync);
      route(sb, "/admin/anti-entropy/jobs/{id}", "admin.anti_entropy_job", admin::syncJob);
      route(sb, "/admin/sync/regions/{region}", "admin.sync_region", admin::syncRegion);
      route(sb, "/admin/members/{id}", "admin.members", admin::removeMember);
      if (config.faultInjection()) {
        route(sb, "/admin/faults/clock", "admin.faults", admin::clockFault);
        route(sb, "/admin/faults/partition", "admin.faults", admin::partitionFault);
        route(sb, "/admin/faults/latency", "admin.faults", admin::latencyFault);
        route(sb, "/admin/faults", "admin.faults", admin::healFaults);
      }
      // Latency as Prometheus histogram buckets (aggregatable across nodes), not client-side
      // quantiles.
      sb.decorator(new HttpMetrics(metrics.registry()));
      Server server = sb.build();
      maintenance = new Maintenance(store, config.gcIntervalMs());
      if (config.merkleVerifyIntervalMs() > 0) {
        merkleVerification =
            new MerkleVerification(store, config.nodeId(), config.merkleVerifyIntervalMs());
      }
      GeodsNode node =
          new GeodsNode(config, store, metrics, server, cluster, maintenance, merkleVerification);
      self[0] = node;
      server.start().join();
      String http = config.http().host() + ":" + server.activeLocalPort();
      admin.httpAddress(http);
      forwarder.localHttpPort(server.activeLocalPort());
      node.ready.set(true);
      log.info(
          "geods node {} region {} replica {} serving HTTP on {} (peer {}, data {})",
          config.nodeId(),
          config.region(),
          store.replicaId().value(),
          http,
          cluster.advertise(),
          config.dataDir());
      return node;
    } catch (RuntimeException e) {
      if (merkleVerification != null) {
        merkleVerification.close();
      }
      if (maintenance != null) {
        maintenance.close();
      }
      if (cluster != null) {
        cluster.close();
      }
      store.close();
      metrics.close();
      throw e;
    }
  }

  /**
   * Answers written outside a read of their connection (a group commit's answers, handed to the
   * event loop in one task) are flushed once per connection when that task ends, not once each:
   * Armeria's own handler flushes every answer at once when no read is in progress, which over a
   * multiplexed HTTP/2 connection is a write system call per answer.
   */
  private static void consolidateFlushes(ChannelPipeline p) {
    ChannelHandlerContext c = p.context(FlushConsolidationHandler.class);
    if (c != null) {
      p.replace(
          c.name(),
          c.name(),
          new FlushConsolidationHandler(
              FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
    }
  }

  /** Membership and replication settings from the node's config. */
  static ClusterNode.Settings clusterSettings(NodeConfig config) {
    List<NodeAddress> seeds = new ArrayList<>();
    for (HostPort s : config.seeds()) {
      seeds.add(NodeAddress.parse(s.toString()));
    }
    return new ClusterNode.Settings(
        NodeId.of(config.nodeId()),
        config.region(),
        config.peer().host(),
        config.peer().port(),
        config.advertise().host(),
        config.advertise().port(),
        seeds,
        MembershipOptions.defaults(),
        ReplicationOptions.defaults(),
        AntiEntropyOptions.defaults()
            .withIntervals(
                config.antiEntropyIntervalMs(), config.antiEntropyCrossRegionIntervalMs())
            .withRates(config.antiEntropyBytesPerSec(), config.antiEntropyJobBytesPerSec())
            .withCausalWaitMs(config.antiEntropyCausalWaitMs()),
        GrpcTransport.Options.defaults());
  }

  /**
   * Binds a service under a stable name: the {@code service} label of the HTTP metrics. Every
   * service takes a whole body and gives a whole answer, and says so ({@link Unary}).
   */
  private static void route(ServerBuilder sb, String path, String name, HttpService service) {
    ServiceBindingBuilder b = sb.route().path(path);
    b.defaultServiceName(name);
    b.build(new Unary(service));
  }

  /**
   * A service whose exchange is unary: Armeria then collects the request body in its decoder
   * (within {@code --max-body-bytes}) before calling the service, instead of handing it a stream
   * the service subscribes to and aggregates itself, and writes the answer without streaming
   * machinery. Measured at a sizeable part of the event loop's CPU per request on small writes.
   */
  private record Unary(HttpService delegate) implements HttpService {
    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws Exception {
      return delegate.serve(ctx, req);
    }

    @Override
    public ExchangeType exchangeType(RoutingContext routingContext) {
      return ExchangeType.UNARY;
    }
  }

  private static ObjectNode status(String s) {
    ObjectNode o = CanonicalJson.MAPPER.createObjectNode();
    o.put("status", s);
    return o;
  }

  /** The HTTP port actually bound (useful with port 0). */
  public int httpPort() {
    return server.activeLocalPort();
  }

  public RocksStore store() {
    return store;
  }

  public NodeConfig config() {
    return config;
  }

  public ClusterNode cluster() {
    return cluster;
  }

  /** Runs one round of store maintenance (garbage collection, conflict-log expiry) now. */
  public io.geodatastore.storage.GcResult collectGarbage() {
    return maintenance.run();
  }

  /** Stops serving, waits for in-flight requests and batches, closes the store. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    log.info("geods node {} stopping", config.nodeId());
    ready.set(false);
    long t0 = System.nanoTime();
    cluster.leave(LEAVE_WAIT_MS);
    long tLeft = System.nanoTime();
    server.stop().join();
    long t1 = System.nanoTime();
    stopping.set(true);
    if (merkleVerification != null) {
      merkleVerification.close();
    }
    maintenance.close();
    cluster.close();
    store.close();
    metrics.close();
    log.info(
        "geods node {} stopped (left the cluster in {} ms, HTTP drained in {} ms, cluster and"
            + " store closed in {} ms)",
        config.nodeId(),
        (tLeft - t0) / 1_000_000,
        (t1 - tLeft) / 1_000_000,
        (System.nanoTime() - t1) / 1_000_000);
  }

  static String version() {
    try (InputStream in = GeodsNode.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** Renders every error Armeria itself produces (404, 405, 413, …) as API.md §4 JSON. */
  private static final class JsonErrorHandler implements ServerErrorHandler {
    private final long maxBodyBytes;

    JsonErrorHandler(long maxBodyBytes) {
      this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
      Throwable c = DataService.unwrap(cause);
      if (c instanceof ApiError e) {
        return Responses.error(e, null);
      }
      if (c instanceof ContentTooLargeException
          || (c instanceof HttpStatusException h && h.httpStatus().code() == 413)) {
        return Responses.error(DataService.bodyTooLarge(maxBodyBytes), null);
      }
      if (c instanceof HttpStatusException h) {
        AggregatedHttpResponse r = renderStatus(ctx, null, null, h.httpStatus(), null, c);
        return r.toHttpResponse();
      }
      if (DataService.isAbort(c)) {
        return null;
      }
      log.error("{} {} failed with an unexpected error", ctx.method(), ctx.path(), c);
      return Responses.error(
          HttpStatus.INTERNAL_SERVER_ERROR,
          "internal",
          "the node failed to serve this request; this is a bug, please report it");
    }

    @Override
    public AggregatedHttpResponse renderStatus(
        ServiceRequestContext ctx,
        ServiceConfig config,
        RequestHeaders headers,
        HttpStatus status,
        String description,
        Throwable cause) {
      String code;
      String message;
      switch (status.code()) {
        case 404 -> {
          code = "not_found";
          message =
              "no such endpoint"
                  + (headers == null ? "" : " " + headers.method() + " " + headers.path())
                  + "; see docs/api.md";
        }
        case 405 -> {
          code = "method_not_allowed";
          message = "this method is not served here; see docs/api.md";
        }
        case 413 -> {
          code = "body_too_large";
          message = DataService.bodyTooLarge(maxBodyBytes).getMessage();
        }
        case 400 -> {
          code = "bad_request";
          message =
              "the request is malformed"
                  + (description == null ? "" : " (" + description + ")")
                  + "; check the URL and headers";
        }
        default -> {
          code = status.code() >= 500 ? "internal" : "bad_request";
          message = status.reasonPhrase() + (description == null ? "" : ": " + description);
        }
      }
      return AggregatedHttpResponse.of(
          ResponseHeaders.of(
              status,
              com.linecorp.armeria.common.HttpHeaderNames.CONTENT_TYPE,
              MediaType.JSON_UTF_8),
          HttpData.wrap(Responses.bytes(Responses.errorBody(code, message))));
    }
  }
}
