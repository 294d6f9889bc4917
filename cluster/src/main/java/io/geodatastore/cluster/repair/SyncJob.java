package io.geodatastore.cluster.repair;

import io.geodatastore.cluster.NodeId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An on-demand anti-entropy job: an exchange with each of the peers it names (every alive replica,
 * or those of one region), at most {@link #PARALLEL} at once. Mutable, on the logical thread;
 * {@link #status} gives an immutable picture ({@link JobStatus}).
 */
final class SyncJob {

  /** Exchanges of one job running at once. */
  static final int PARALLEL = 2;

  /** What a job is. */
  enum Kind {
    FULL_SYNC,
    REGION_SYNC;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Where a job is. */
  enum State {
    RUNNING,
    DONE,
    FAILED;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  final String id;
  final Kind kind;
  final String region;
  final List<NodeId> peers;
  final ArrayDeque<NodeId> waiting;
  final List<Exchange> running = new ArrayList<>();
  final Map<String, String> outcomes = new LinkedHashMap<>();
  final long startedAtMs;
  long finishedAtMs = -1;
  long rangesCompared;
  long keysRepaired;
  long bytes;
  boolean anyFailed;

  SyncJob(String id, Kind kind, String region, List<NodeId> peers, long startedAtMs) {
    this.id = id;
    this.kind = kind;
    this.region = region;
    this.peers = List.copyOf(peers);
    this.waiting = new ArrayDeque<>(peers);
    this.startedAtMs = startedAtMs;
  }

  boolean finished() {
    return finishedAtMs >= 0;
  }

  /** Adds a finished exchange's figures. */
  void exchanged(Exchange x) {
    running.remove(x);
    ExchangeReport r = x.report();
    rangesCompared += r.rangesCompared();
    keysRepaired += r.keysRepaired();
    bytes += r.bytes();
    outcomes.put(r.peer().value(), r.outcome().label());
    anyFailed |= r.outcome() == ExchangeReport.Outcome.FAILED;
  }

  /** Peers the job could not reach (gone before their turn) count as failed. */
  void skipped(NodeId peer) {
    outcomes.put(peer.value(), ExchangeReport.Outcome.FAILED.label());
    anyFailed = true;
  }

  JobStatus status() {
    long ranges = rangesCompared;
    long keys = keysRepaired;
    long b = bytes;
    for (Exchange x : running) {
      ranges += x.rangesCompared();
      keys += x.keysRepaired();
      b += x.bytes();
    }
    State state = !finished() ? State.RUNNING : anyFailed ? State.FAILED : State.DONE;
    List<String> names = new ArrayList<>();
    peers.forEach(p -> names.add(p.value()));
    return new JobStatus(
        id,
        kind.label(),
        region,
        state.label(),
        names,
        outcomes,
        ranges,
        keys,
        b,
        startedAtMs,
        finishedAtMs);
  }
}
