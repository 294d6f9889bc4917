package io.geodatastore.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.geodatastore.cluster.MemberInfo;
import io.geodatastore.node.cluster.ClusterNode;
import io.geodatastore.node.cluster.PeerCodec;
import io.geodatastore.wire.proto.ForwardReply;
import io.geodatastore.wire.proto.ForwardRequest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Register writes that name another region ({@code "region":"R"}, API.md §3). The sending side
 * picks an alive node of R from membership and sends it the request over the Peer service's {@code
 * Forward} RPC, relaying its HTTP answer; the receiving side applies the request as a local write
 * by sending it to its own HTTP API, so it goes through exactly the same validation, write levels
 * and session tokens as a client's.
 */
final class Forwarder {

  private static final Logger log = LoggerFactory.getLogger(Forwarder.class);

  /** Extra time the forwarding node allows beyond the write timeout, for the round trip. */
  static final long FORWARD_SLACK_MS = 2_000;

  private final NodeConfig config;
  private volatile ClusterNode cluster;
  private volatile WebClient local;

  Forwarder(NodeConfig config) {
    this.config = config;
  }

  void cluster(ClusterNode cluster) {
    this.cluster = cluster;
  }

  /** Once HTTP serves on {@code port}: forwarded writes can be applied. */
  void localHttpPort(int port) {
    String host = config.http().host();
    if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]") || host.isEmpty()) {
      host = "127.0.0.1";
    }
    String authority = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    this.local =
        WebClient.builder("http://" + authority + ":" + port)
            .responseTimeout(Duration.ofMillis(config.writeTimeoutMs() + FORWARD_SLACK_MS))
            .maxResponseLength(16L << 20)
            .build();
  }

  // ---- sending side ----

  CompletableFuture<HttpResponse> forward(
      ServiceRequestContext ctx, String region, ObjectNode body, SessionToken token) {
    ClusterNode c = cluster;
    return c.lookupRegion(region)
        .thenCompose(
            l -> {
              if (!l.regions().contains(region)) {
                throw ApiError.badRequest(
                    "unknown_region",
                    "region '"
                        + region
                        + "' is not known to the cluster; known regions: "
                        + String.join(", ", l.regions()));
              }
              if (l.alive().isEmpty()) {
                throw new ApiError(
                    HttpStatus.SERVICE_UNAVAILABLE,
                    "region_unavailable",
                    "no node of region '"
                        + region
                        + "' is reachable from this node now; retry later, or write without"
                        + " \"region\" to apply it here");
              }
              MemberInfo target =
                  l.alive().get(ThreadLocalRandom.current().nextInt(l.alive().size()));
              String path = ctx.path() + (ctx.query() == null ? "" : "?" + ctx.query());
              ForwardRequest req =
                  ForwardRequest.newBuilder()
                      .setFormatVersion(PeerCodec.FORMAT_VERSION)
                      .setSender(config.nodeId())
                      .setSenderRegion(config.region())
                      .setMethod(ctx.method().name())
                      .setPath(path)
                      .setBody(ByteString.copyFrom(CanonicalJson.bytes(body)))
                      .setSessionToken(token.vector().isEmpty() ? "" : token.encode())
                      .build();
              return c.transport()
                  .forward(target.address(), req, config.writeTimeoutMs() + FORWARD_SLACK_MS)
                  .handle(
                      (reply, t) -> {
                        if (t != null) {
                          log.debug("forwarding to {} failed: {}", target.nodeId(), t.toString());
                          throw new ApiError(
                              HttpStatus.SERVICE_UNAVAILABLE,
                              "forward_failed",
                              "the write for region '"
                                  + region
                                  + "' could not be forwarded to "
                                  + target.nodeId()
                                  + " ("
                                  + t.getMessage()
                                  + "); nothing was applied here, retry");
                        }
                        return relay(reply, target);
                      });
            });
  }

  private static HttpResponse relay(ForwardReply reply, MemberInfo target) {
    ResponseHeadersBuilder h =
        ResponseHeaders.builder(HttpStatus.valueOf(reply.getStatus()))
            .contentType(MediaType.JSON_UTF_8)
            .set("x-geo-served-by", target.nodeId().value());
    if (!reply.getSessionToken().isEmpty()) {
      h.set(SessionToken.HEADER, reply.getSessionToken());
    }
    return HttpResponse.of(h.build(), HttpData.wrap(reply.getBody().toByteArray()));
  }

  // ---- receiving side ----

  CompletableFuture<ForwardReply> apply(ForwardRequest req) {
    WebClient c = local;
    if (c == null) {
      return CompletableFuture.failedFuture(new IllegalStateException("HTTP is not serving yet"));
    }
    if (!req.getMethod().equals("POST") || !req.getPath().startsWith("/crdt/registers/")) {
      return CompletableFuture.completedFuture(
          ForwardReply.newBuilder()
              .setStatus(400)
              .setBody(
                  ByteString.copyFrom(
                      Responses.bytes(
                          Responses.errorBody(
                              "bad_forward", "only register writes are forwarded"))))
              .build());
    }
    RequestHeadersBuilder h =
        RequestHeaders.builder(HttpMethod.POST, req.getPath())
            .contentType(MediaType.JSON_UTF_8)
            .set("x-geo-forwarded-from", req.getSender());
    if (!req.getSessionToken().isEmpty()) {
      h.set(SessionToken.HEADER, req.getSessionToken());
    }
    return c.execute(h.build(), HttpData.wrap(req.getBody().toByteArray()))
        .aggregate()
        .thenApply(
            agg -> {
              String token = agg.headers().get(SessionToken.HEADER);
              return ForwardReply.newBuilder()
                  .setStatus(agg.status().code())
                  .setBody(ByteString.copyFrom(agg.content().array()))
                  .setSessionToken(token == null ? "" : token)
                  .build();
            });
  }
}
