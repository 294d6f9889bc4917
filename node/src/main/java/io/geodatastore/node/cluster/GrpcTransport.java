package io.geodatastore.node.cluster;

import com.google.protobuf.ByteString;
import io.geodatastore.cluster.ClusterMessage;
import io.geodatastore.cluster.NodeAddress;
import io.geodatastore.cluster.NodeId;
import io.geodatastore.storage.LogEntry;
import io.geodatastore.wire.proto.DeliverSummary;
import io.geodatastore.wire.proto.ForwardReply;
import io.geodatastore.wire.proto.ForwardRequest;
import io.geodatastore.wire.proto.PeerEnvelope;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.CompressorRegistry;
import io.grpc.ConnectivityState;
import io.grpc.DecompressorRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node-to-node transport: a gRPC server on {@code --peer} and, per peer address, a lazily
 * created channel with one long-lived client stream ({@code Deliver}) carrying {@link
 * PeerEnvelope}s fire-and-forget. Each peer has a bounded outbound queue (messages beyond it are
 * dropped and counted: membership and replication tolerate loss) drained as gRPC flow control
 * allows; a broken stream is reopened after an exponential backoff. Streams to other regions are
 * compressed ({@link SnappyCodec}: only nodes of this build read it), but for messages too small to
 * shrink (acknowledgements, probes). Incoming envelopes are decoded and handed to {@code inbound}
 * (which posts them to the node's logical thread). Injected faults ({@link Faults}) drop or delay
 * traffic here.
 */
public final class GrpcTransport implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(GrpcTransport.class);

  /**
   * Messages smaller than this go uncompressed on a compressed stream: an acknowledgement (about 60
   * bytes) comes out of a compressor no smaller (with gzip, deflating it cost the sender about 3 us
   * of CPU: zlib builds its Huffman trees for every message, however small).
   */
  static final int COMPRESSED_BYTES_MIN = 128;

  /** Bounds and timings. */
  public record Options(
      int queueMessagesMax,
      int inboundMessageBytesMax,
      long keepAliveMs,
      long backoffInitialMs,
      long backoffMaxMs) {
    public static Options defaults() {
      return new Options(4096, 32 << 20, 20_000, 100, 5_000);
    }
  }

  /** Who listens at an address, as membership knows it. */
  record PeerInfo(NodeId nodeId, String region) {}

  /** Per-peer traffic figures (messages and bytes before compression). */
  public static final class Traffic {
    final AtomicLong messagesSent = new AtomicLong();
    final AtomicLong bytesSent = new AtomicLong();
    final AtomicLong messagesReceived = new AtomicLong();
    final AtomicLong bytesReceived = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong deltasSent = new AtomicLong();
    final AtomicLong deltasReceived = new AtomicLong();

    public long deltasSent() {
      return deltasSent.get();
    }

    /** Deltas received (before merging; duplicates included). */
    public long deltasReceived() {
      return deltasReceived.get();
    }

    public long messagesSent() {
      return messagesSent.get();
    }

    public long bytesSent() {
      return bytesSent.get();
    }

    public long messagesReceived() {
      return messagesReceived.get();
    }

    public long bytesReceived() {
      return bytesReceived.get();
    }

    public long dropped() {
      return dropped.get();
    }
  }

  private final NodeId self;
  private final String selfRegion;
  private final Faults faults;
  private final Options options;
  private final Function<LogEntry, ByteString> entryBytes;
  private final Server server;
  private final ScheduledThreadPoolExecutor timer;
  private final Map<NodeAddress, Link> links = new ConcurrentHashMap<>();
  private final Map<NodeAddress, PeerInfo> peers = new ConcurrentHashMap<>();
  private final Map<String, Traffic> traffic = new ConcurrentHashMap<>();
  private final AtomicLong decodeErrors = new AtomicLong();
  private final AtomicLong faultDrops = new AtomicLong();
  private final CompressorRegistry compressors = CompressorRegistry.newEmptyInstance();
  private final DecompressorRegistry decompressors;
  private volatile boolean closed;

  /**
   * Binds the server.
   *
   * @param entryBytes the bytes of a log entry to send (called on the sending thread)
   * @param inbound receives every decoded message not dropped by a fault (on a gRPC thread)
   * @param forward answers a forwarded write
   */
  public GrpcTransport(
      NodeId self,
      String selfRegion,
      String bindHost,
      int bindPort,
      Faults faults,
      Options options,
      Function<LogEntry, ByteString> entryBytes,
      Consumer<PeerCodec.Decoded> inbound,
      Function<ForwardRequest, CompletableFuture<ForwardReply>> forward) {
    this.self = self;
    this.selfRegion = selfRegion;
    this.faults = faults;
    this.options = options;
    this.entryBytes = entryBytes;
    SnappyCodec snappy = new SnappyCodec(options.inboundMessageBytesMax());
    compressors.register(snappy);
    decompressors = DecompressorRegistry.getDefaultInstance().with(snappy, true);
    this.timer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "geods-transport-timer-" + self);
              t.setDaemon(true);
              return t;
            });
    timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    ServerServiceDefinition service =
        ServerServiceDefinition.builder(PeerService.SERVICE)
            .addMethod(
                PeerService.DELIVER,
                ServerCalls.asyncClientStreamingCall(r -> new DeliverReceiver(r, inbound)))
            .addMethod(
                PeerService.FORWARD,
                ServerCalls.asyncUnaryCall((req, r) -> serveForward(req, r, forward)))
            .build();
    this.server =
        NettyServerBuilder.forAddress(new InetSocketAddress(bindHost, bindPort))
            .maxInboundMessageSize(options.inboundMessageBytesMax())
            .keepAliveTime(options.keepAliveMs(), TimeUnit.MILLISECONDS)
            .keepAliveTimeout(options.keepAliveMs(), TimeUnit.MILLISECONDS)
            .permitKeepAliveTime(options.keepAliveMs() / 4, TimeUnit.MILLISECONDS)
            .permitKeepAliveWithoutCalls(true)
            .decompressorRegistry(decompressors)
            .directExecutor()
            .addService(service)
            .build();
    try {
      server.start();
    } catch (IOException e) {
      timer.shutdownNow();
      throw new UncheckedIOException(
          "cannot listen for peers on " + bindHost + ":" + bindPort + ": " + e.getMessage(), e);
    }
  }

  /** The bound peer port (useful with port 0). */
  public int port() {
    return server.getPort();
  }

  /** Records who listens at {@code address} (from membership): for faults, compression, figures. */
  public void peer(NodeAddress address, NodeId nodeId, String region) {
    peers.put(address, new PeerInfo(nodeId, region));
  }

  /** Membership saw the peer at {@code address} come up: skip any reconnection backoff. */
  public void peerUp(NodeAddress address) {
    Link l = links.get(address);
    if (l != null) {
      l.reconnectNow();
    }
  }

  /** Traffic with one peer node, by id. */
  public Traffic traffic(String nodeId) {
    return traffic.computeIfAbsent(nodeId, k -> new Traffic());
  }

  public Map<String, Traffic> allTraffic() {
    return Map.copyOf(traffic);
  }

  public long decodeErrors() {
    return decodeErrors.get();
  }

  public long faultDrops() {
    return faultDrops.get();
  }

  // ---- sending ----

  /**
   * Sends {@code msg} to the peer at {@code to}, best effort; never blocks. {@code random} draws
   * the jitter of injected latency (the caller's Env random, used on its thread).
   */
  public void send(NodeAddress to, ClusterMessage msg, RandomGenerator random) {
    if (closed) {
      return;
    }
    PeerInfo info = peers.get(to);
    String nodeId = info == null ? null : info.nodeId().value();
    String region = info == null ? null : info.region();
    if (faults.blocked(nodeId, region)) {
      faultDrops.incrementAndGet();
      return;
    }
    PeerEnvelope env = PeerCodec.encode(self, selfRegion, msg, entryBytes);
    Link link = links.computeIfAbsent(to, Link::new);
    Faults.Latency latency = faults.latencyTo(region);
    if (latency == null) {
      link.enqueue(env);
      return;
    }
    long delay =
        latency.ms() + (latency.jitterMs() > 0 ? random.nextLong(latency.jitterMs() + 1) : 0);
    timer.schedule(() -> link.enqueue(env), delay, TimeUnit.MILLISECONDS);
  }

  /** Forwards a write to the peer at {@code to}; fails with a {@link StatusRuntimeException}. */
  public CompletableFuture<ForwardReply> forward(
      NodeAddress to, ForwardRequest req, long deadlineMs) {
    CompletableFuture<ForwardReply> out = new CompletableFuture<>();
    PeerInfo info = peers.get(to);
    if (info != null && faults.blocked(info.nodeId().value(), info.region())) {
      out.completeExceptionally(
          Status.UNAVAILABLE.withDescription("partitioned by fault injection").asException());
      return out;
    }
    Link link = links.computeIfAbsent(to, Link::new);
    ClientCall<ForwardRequest, ForwardReply> call =
        link.channel.newCall(
            PeerService.FORWARD,
            CallOptions.DEFAULT.withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS));
    ClientCalls.asyncUnaryCall(
        call,
        req,
        new StreamObserver<>() {
          @Override
          public void onNext(ForwardReply value) {
            out.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            out.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            out.completeExceptionally(
                Status.INTERNAL.withDescription("no reply").asRuntimeException());
          }
        });
    return out;
  }

  /** One peer address: its channel, its outbound queue and its current Deliver stream. */
  private final class Link {
    final NodeAddress address;
    final ManagedChannel channel;
    private final ArrayDeque<PeerEnvelope> queue = new ArrayDeque<>();
    private ClientCallStreamObserver<PeerEnvelope> stream;
    private boolean streamCompressed;
    private long backoffMs;
    private long retryAtNanos;
    private boolean retryScheduled;

    Link(NodeAddress address) {
      this.address = address;
      this.channel =
          NettyChannelBuilder.forAddress(address.host(), address.port())
              .usePlaintext()
              .maxInboundMessageSize(options.inboundMessageBytesMax())
              .keepAliveTime(options.keepAliveMs(), TimeUnit.MILLISECONDS)
              .keepAliveTimeout(options.keepAliveMs(), TimeUnit.MILLISECONDS)
              .keepAliveWithoutCalls(true)
              .compressorRegistry(compressors)
              .decompressorRegistry(decompressors)
              .build();
    }

    synchronized void enqueue(PeerEnvelope env) {
      if (closed) {
        return;
      }
      if (queue.size() >= options.queueMessagesMax()) {
        trafficFor().dropped.incrementAndGet();
        return;
      }
      queue.add(env);
      drain();
    }

    private Traffic trafficFor() {
      PeerInfo info = peers.get(address);
      return traffic(info == null ? address.toString() : info.nodeId().value());
    }

    private boolean wantCompression() {
      PeerInfo info = peers.get(address);
      return info != null && !info.region().equals(selfRegion);
    }

    synchronized void drain() {
      if (closed) {
        return;
      }
      if (stream != null && streamCompressed != wantCompression()) {
        stream.onCompleted(); // the peer's region became known: reopen with the right codec
        stream = null;
      }
      if (stream == null) {
        long wait = retryAtNanos - System.nanoTime();
        if (wait > 0) {
          if (!retryScheduled) {
            retryScheduled = true;
            timer.schedule(this::retry, wait, TimeUnit.NANOSECONDS);
          }
          return;
        }
        open();
      }
      Traffic t = null;
      while (stream != null && stream.isReady() && !queue.isEmpty()) {
        PeerEnvelope e = queue.poll();
        if (t == null) {
          t = trafficFor();
        }
        if (streamCompressed) {
          stream.setMessageCompression(e.getSerializedSize() >= COMPRESSED_BYTES_MIN);
        }
        stream.onNext(e);
        t.messagesSent.incrementAndGet();
        t.bytesSent.addAndGet(e.getSerializedSize());
        if (e.hasDeltaBatch()) {
          t.deltasSent.addAndGet(e.getDeltaBatch().getEntriesCount());
        }
        backoffMs = 0;
      }
    }

    private synchronized void retry() {
      retryScheduled = false;
      // Our backoff (at most backoffMaxMs) governs reconnection, not the channel's longer one.
      if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
        channel.resetConnectBackoff();
      }
      drain();
    }

    /** The peer is known to be up again: reconnect at once. */
    synchronized void reconnectNow() {
      backoffMs = 0;
      retryAtNanos = 0;
      channel.resetConnectBackoff();
      if (!queue.isEmpty()) {
        drain();
      }
    }

    private void open() {
      boolean compressed = wantCompression();
      CallOptions opts = CallOptions.DEFAULT;
      if (compressed) {
        opts = opts.withCompression(SnappyCodec.ENCODING);
      }
      ClientCall<PeerEnvelope, DeliverSummary> call = channel.newCall(PeerService.DELIVER, opts);
      StreamHolder holder = new StreamHolder();
      // beforeStart hands the holder its stream before the call can fail.
      @SuppressWarnings("unchecked")
      ClientCallStreamObserver<PeerEnvelope> s =
          (ClientCallStreamObserver<PeerEnvelope>)
              ClientCalls.asyncClientStreamingCall(call, holder);
      stream = s;
      streamCompressed = compressed;
    }

    private synchronized void failed(StreamHolder h, Throwable t) {
      if (stream == null || stream != h.stream) {
        return;
      }
      stream = null;
      backoffMs =
          backoffMs == 0
              ? options.backoffInitialMs()
              : Math.min(options.backoffMaxMs(), backoffMs * 2);
      retryAtNanos = System.nanoTime() + backoffMs * 1_000_000;
      log.debug("stream to {} ended ({}); retrying in {} ms", address, t, backoffMs);
      if (!queue.isEmpty()) {
        drain();
      }
    }

    synchronized void close() {
      queue.clear();
      if (stream != null) {
        try {
          stream.onCompleted();
        } catch (RuntimeException e) {
          log.debug("closing the stream to {}: {}", address, e.toString());
        }
        stream = null;
      }
      channel.shutdown();
    }

    /** Receives the stream's events: readiness (drain) and its end (reopen later). */
    private final class StreamHolder
        implements ClientResponseObserver<PeerEnvelope, DeliverSummary> {
      volatile ClientCallStreamObserver<PeerEnvelope> stream;

      @Override
      public void beforeStart(ClientCallStreamObserver<PeerEnvelope> requestStream) {
        stream = requestStream;
        requestStream.setOnReadyHandler(Link.this::drain);
      }

      @Override
      public void onNext(DeliverSummary value) {}

      @Override
      public void onError(Throwable t) {
        failed(this, t);
      }

      @Override
      public void onCompleted() {
        failed(this, null);
      }
    }
  }

  // ---- receiving ----

  /** The server side of one Deliver stream. */
  private final class DeliverReceiver implements StreamObserver<PeerEnvelope> {
    private final StreamObserver<DeliverSummary> response;
    private final Consumer<PeerCodec.Decoded> inbound;
    private long received;
    private long dropped;

    /** The traffic figures of the stream's sender (one node per stream), looked up once. */
    private String sender;

    private Traffic senderTraffic;

    DeliverReceiver(StreamObserver<DeliverSummary> response, Consumer<PeerCodec.Decoded> inbound) {
      this.response = response;
      this.inbound = inbound;
    }

    @Override
    public void onNext(PeerEnvelope env) {
      if (closed) {
        return;
      }
      if (faults.blocked(env.getSender(), env.getSenderRegion())) {
        faultDrops.incrementAndGet();
        dropped++;
        return;
      }
      if (!env.getSender().equals(sender)) {
        sender = env.getSender();
        senderTraffic = traffic(sender);
      }
      Traffic t = senderTraffic;
      t.messagesReceived.incrementAndGet();
      t.bytesReceived.addAndGet(env.getSerializedSize());
      if (env.hasDeltaBatch()) {
        t.deltasReceived.addAndGet(env.getDeltaBatch().getEntriesCount());
      }
      PeerCodec.Decoded d;
      try {
        d = PeerCodec.decode(env);
      } catch (PeerCodec.PeerFormatException e) {
        if (decodeErrors.incrementAndGet() <= 10) {
          log.warn("dropped an undecodable message from '{}': {}", env.getSender(), e.getMessage());
        }
        dropped++;
        return;
      }
      received++;
      inbound.accept(d);
    }

    @Override
    public void onError(Throwable t) {
      log.debug("an inbound stream ended: {}", t.toString());
    }

    @Override
    public void onCompleted() {
      response.onNext(
          DeliverSummary.newBuilder().setReceived(received).setDropped(dropped).build());
      response.onCompleted();
    }
  }

  private void serveForward(
      ForwardRequest req,
      StreamObserver<ForwardReply> response,
      Function<ForwardRequest, CompletableFuture<ForwardReply>> forward) {
    if (faults.blocked(req.getSender(), req.getSenderRegion())) {
      response.onError(
          Status.UNAVAILABLE.withDescription("partitioned by fault injection").asException());
      return;
    }
    if (req.getFormatVersion() != PeerCodec.FORMAT_VERSION) {
      response.onError(
          Status.INVALID_ARGUMENT
              .withDescription("forward format version " + req.getFormatVersion())
              .asException());
      return;
    }
    CompletableFuture<ForwardReply> f;
    try {
      f = forward.apply(req);
    } catch (RuntimeException e) {
      response.onError(Status.INTERNAL.withDescription(e.toString()).asException());
      return;
    }
    f.whenComplete(
        (reply, t) -> {
          if (t != null) {
            response.onError(Status.INTERNAL.withDescription(t.toString()).asException());
          } else {
            response.onNext(reply);
            response.onCompleted();
          }
        });
  }

  /** Half-closes every stream, shuts the channels and the server down (bounded waits). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    links.values().forEach(Link::close);
    server.shutdown();
    timer.shutdownNow();
    try {
      for (Link l : links.values()) {
        if (!l.channel.awaitTermination(500, TimeUnit.MILLISECONDS)) {
          l.channel.shutdownNow();
        }
      }
      if (!server.awaitTermination(1, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
