package io.geodatastore.cluster.repair;

import io.geodatastore.cluster.Env;
import io.geodatastore.cluster.NodeAddress;
import io.geodatastore.cluster.NodeId;
import io.geodatastore.cluster.RecordMessage;
import io.geodatastore.cluster.replication.LocalReplica;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.KeyedRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * Fetching and pushing full records between replicas, the one mechanism under anti-entropy and
 * under reads that merge several replicas. A state machine on the node's logical thread: it answers
 * peers' {@link RecordMessage.FetchRecords} and {@link RecordMessage.PushRecords} from the local
 * replica, and matches the answers to this node's own requests by id, each with a deadline after
 * which the caller hears "no answer" (the network may lose any message; nothing is retried here —
 * callers decide).
 *
 * <p>Records pushed by a peer pass the {@link CausalGate} before they are merged: they wait (a
 * bounded time) until the local replica has applied what they may depend on beyond what they carry
 * ({@link RecordMessage.PushRecords#past}). A push with a bound of its own is refused when that
 * runs out, instead of being forced in.
 *
 * <p>Bounded: a request names at most {@link RecordMessage#KEYS_MAX} keys; an answer carries at
 * most {@code replyBytesMax} of records (measured by {@code recordBytes}) and defers the rest; at
 * most {@code pendingMax} of this node's requests wait at once (more are answered "no answer" at
 * once).
 */
public final class RecordExchange {

  private final Env env;
  private final NodeId self;
  private final NodeAddress selfAddress;
  private final LocalReplica local;
  private final long replyBytesMax;
  private final ToLongFunction<KeyedRecord> recordBytes;
  private final CausalGate gate;
  private final Requests<RecordMessage> requests;
  private long recordsServed;
  private long recordsMerged;
  private boolean stopped;

  /**
   * @param recordBytes the size a record takes in an answer (its encoded size, or an estimate)
   * @param gate holds records pushed by peers back until the local replica has applied what they
   *     may depend on
   */
  public RecordExchange(
      Env env,
      NodeId self,
      NodeAddress selfAddress,
      LocalReplica local,
      long replyBytesMax,
      int pendingMax,
      ToLongFunction<KeyedRecord> recordBytes,
      CausalGate gate) {
    this.env = env;
    this.self = self;
    this.selfAddress = selfAddress;
    this.local = local;
    this.replyBytesMax = replyBytesMax;
    this.requests = new Requests<>(env, pendingMax, RecordMessage::requestId);
    this.recordBytes = recordBytes;
    this.gate = gate;
  }

  /**
   * Asks {@code to} for the records of {@code keys}; {@code done} gets its answer, or empty after
   * {@code timeoutMs} without one.
   */
  public void fetch(
      NodeAddress to,
      List<KeyRef> keys,
      long timeoutMs,
      Consumer<Optional<RecordMessage.Records>> done) {
    requests.send(
        to,
        id -> new RecordMessage.FetchRecords(self, selfAddress, id, keys),
        RecordMessage.Records.class,
        timeoutMs,
        done);
  }

  /**
   * Sends {@code records} to {@code to} to merge; {@code done} gets its acknowledgement, or empty
   * after {@code timeoutMs} without one.
   */
  public void push(
      NodeAddress to,
      List<KeyedRecord> records,
      long timeoutMs,
      Consumer<Optional<RecordMessage.PushAck>> done) {
    push(to, records, local.coverage(), timeoutMs, done);
  }

  /**
   * As {@link #push(NodeAddress, List, long, Consumer)}, for records that may reflect more than
   * this replica's coverage (a join of several replicas' records, as read repair pushes): {@code
   * covers} must bound everything they may show.
   */
  public void push(
      NodeAddress to,
      List<KeyedRecord> records,
      VersionVector covers,
      long timeoutMs,
      Consumer<Optional<RecordMessage.PushAck>> done) {
    requests.send(
        to,
        id -> new RecordMessage.PushRecords(self, selfAddress, id, records, covers),
        RecordMessage.PushAck.class,
        timeoutMs,
        done);
  }

  /**
   * As {@link #push(NodeAddress, List, VersionVector, long, Consumer)}, for a pusher with a
   * deadline (read repair): the receiver merges once it has applied {@code past} (see {@link
   * RecordMessage.PushRecords#past}), or refuses the records after {@code waitMaxMs} (an ack not
   * ok) rather than forcing them in.
   */
  public void push(
      NodeAddress to,
      List<KeyedRecord> records,
      VersionVector covers,
      VersionVector past,
      long waitMaxMs,
      long timeoutMs,
      Consumer<Optional<RecordMessage.PushAck>> done) {
    requests.send(
        to,
        id ->
            new RecordMessage.PushRecords(
                self, selfAddress, id, records, covers, past, Math.max(1, waitMaxMs)),
        RecordMessage.PushAck.class,
        timeoutMs,
        done);
  }

  /** Delivers a record message. */
  public void onMessage(RecordMessage m) {
    switch (m) {
      case RecordMessage.FetchRecords f -> serveFetch(f);
      case RecordMessage.PushRecords p -> servePush(p);
      case RecordMessage.Records r -> requests.answered(r);
      case RecordMessage.PushAck a -> requests.answered(a);
    }
  }

  private void serveFetch(RecordMessage.FetchRecords f) {
    if (stopped) {
      return;
    }
    // Taken before the read: the records show at least what it names.
    VersionVector applied = local.appliedVector();
    local.readRecords(
        f.keys(),
        read -> {
          List<KeyedRecord> found = new ArrayList<>();
          List<KeyRef> deferred = new ArrayList<>();
          long bytes = 0;
          for (KeyedRecord r : read.found()) {
            long size = recordBytes.applyAsLong(r);
            if (!found.isEmpty() && bytes + size > replyBytesMax) {
              deferred.add(r.key());
            } else {
              found.add(r);
              bytes += size;
            }
          }
          recordsServed += found.size();
          // Taken after the read: everything the records show is below it.
          env.send(
              f.replyTo(),
              new RecordMessage.Records(
                  self,
                  f.requestId(),
                  found,
                  read.absent(),
                  read.unreadable(),
                  deferred,
                  local.coverage(),
                  applied));
        });
  }

  private void servePush(RecordMessage.PushRecords p) {
    if (stopped) {
      return;
    }
    Runnable refuse =
        () -> env.send(p.replyTo(), new RecordMessage.PushAck(self, p.requestId(), false, 0));
    boolean admitted =
        p.waitMaxMs() == 0
            ? gate.admit(p.past(), () -> mergePushed(p))
            : gate.admit(p.past(), p.waitMaxMs(), () -> mergePushed(p), refuse);
    if (!admitted) {
      // Too many pushes wait for their causal past already: refused, the pusher tries again.
      env.send(p.replyTo(), new RecordMessage.PushAck(self, p.requestId(), false, 0));
    }
  }

  private void mergePushed(RecordMessage.PushRecords p) {
    if (stopped) {
      return;
    }
    local.mergeRecords(
        p.records(),
        p.covers(),
        changed -> {
          if (changed > 0) {
            recordsMerged += changed;
          }
          env.send(
              p.replyTo(),
              new RecordMessage.PushAck(self, p.requestId(), changed >= 0, Math.max(0, changed)));
        });
  }

  /** Stops serving; every request still waiting hears "no answer". */
  public void stop() {
    stopped = true;
    requests.stop();
  }

  /** Records this node sent in answers to fetches. */
  public long recordsServed() {
    return recordsServed;
  }

  /** Records pushed by peers that changed this node's state. */
  public long recordsMerged() {
    return recordsMerged;
  }
}
