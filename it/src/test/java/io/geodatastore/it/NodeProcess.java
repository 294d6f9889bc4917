package io.geodatastore.it;

import io.geodatastore.client.GeoClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A node running as its own process ({@code bin/geods node}), optionally inside a network
 * namespace. Stopped only through its own {@link Process} handle: SIGTERM, or SIGKILL for a crash.
 */
final class NodeProcess implements AutoCloseable {

  /** The repository root: the it module runs with its own folder as the working directory. */
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  final String nodeId;
  final String region;
  final String httpHost;
  final int httpPort;
  final String peer;
  final String seeds;
  final Path dataDir;
  final String netns;
  private final List<String> extraArgs = new ArrayList<>();
  private Process process;

  NodeProcess(
      String nodeId,
      String region,
      String httpHost,
      int httpPort,
      String peer,
      String seeds,
      Path dataDir,
      String netns) {
    this.nodeId = nodeId;
    this.region = region;
    this.httpHost = httpHost;
    this.httpPort = httpPort;
    this.peer = peer;
    this.seeds = seeds;
    this.dataDir = dataDir;
    this.netns = netns;
  }

  /** Adds flags to the command line of the next {@link #start}. */
  NodeProcess withArgs(String... args) {
    extraArgs.addAll(List.of(args));
    return this;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  NodeProcess start() throws IOException {
    List<String> cmd = new ArrayList<>();
    if (netns != null) {
      cmd.addAll(List.of("ip", "netns", "exec", netns));
    }
    cmd.addAll(
        List.of(
            ROOT.resolve("bin/geods").toString(),
            "node",
            "--node-id",
            nodeId,
            "--region",
            region,
            "--http",
            (netns != null ? "0.0.0.0" : httpHost) + ":" + httpPort,
            "--peer",
            peer,
            "--seeds",
            seeds,
            "--data-dir",
            dataDir.toString(),
            "--enable-fault-injection"));
    cmd.addAll(extraArgs);
    Files.createDirectories(dataDir.getParent());
    Path log = dataDir.getParent().resolve(nodeId + ".log");
    process =
        new ProcessBuilder(cmd)
            .directory(ROOT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    return this;
  }

  String url() {
    return "http://" + httpHost + ":" + httpPort;
  }

  GeoClient client() {
    return GeoClient.connect(url(), Duration.ofSeconds(5));
  }

  /** Waits (bounded) until /health/ready answers 200. */
  void awaitReady(Duration timeout) throws InterruptedException {
    try (GeoClient c = client()) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IllegalStateException(nodeId + " exited with " + process.exitValue());
        }
        if (c.admin().ready()) {
          return;
        }
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException(nodeId + " not ready within " + timeout);
  }

  /** SIGTERM, and waits (bounded) for the process to end. */
  void stop() throws InterruptedException {
    close();
  }

  /** kill -9: the process gets no chance to flush anything not already durable. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  @Override
  public void close() throws InterruptedException {
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
