package io.geodatastore.bench;

import com.linecorp.armeria.common.ExchangeType;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.RoutingContext;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.geodatastore.node.NodeConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The most a node's HTTP server could answer on this machine: Armeria with the node's server
 * options (body limit, a Prometheus meter registry, graceful shutdown, a unary exchange) answering
 * every request to {@code /crdt/counters/hot/increment}, {@code /crdt/counters/hot} and {@code
 * /health/ready} with a constant small JSON body, with no store, cluster or JSON work behind it.
 * {@code scripts/bench-wrk} runs wrk against it ({@code TARGET=ceiling}) to tell how much of a
 * node's CPU per request is Armeria's and how much its own.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.geodatastore.bench.ArmeriaCeiling PORT}; serves until
 * killed.
 */
public final class ArmeriaCeiling {

  private ArmeriaCeiling() {}

  /** What a node answers to an increment of a fresh counter, about the same size. */
  static final byte[] BODY =
      "{\"key\":\"hot\",\"type\":\"g_counter\",\"value\":1}".getBytes(StandardCharsets.UTF_8);

  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: ArmeriaCeiling PORT");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    ResponseHeaders headers =
        ResponseHeaders.of(HttpStatus.OK).toBuilder().contentType(MediaType.JSON_UTF_8).build();
    HttpService constant =
        new HttpService() {
          @Override
          public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
            return HttpResponse.of(headers, HttpData.wrap(BODY));
          }

          @Override
          public ExchangeType exchangeType(RoutingContext routingContext) {
            return ExchangeType.UNARY;
          }
        };
    Server server =
        Server.builder()
            .http(new InetSocketAddress("127.0.0.1", port))
            .maxRequestLength(NodeConfig.MAX_BODY_BYTES_DEFAULT)
            .meterRegistry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
            .gracefulShutdownTimeout(Duration.ofMillis(200), Duration.ofSeconds(10))
            .service("/crdt/counters/hot/increment", constant)
            .service("/crdt/counters/hot", constant)
            .service("/health/ready", constant)
            .build();
    server.start().join();
    System.out.println(
        "armeria ceiling serving on 127.0.0.1:"
            + server.activeLocalPort()
            + " (Armeria "
            + com.linecorp.armeria.common.util.Version.get("armeria").artifactVersion()
            + ", "
            + Runtime.getRuntime().availableProcessors()
            + " cores, Java "
            + Runtime.version()
            + ")");
  }
}
