package io.geodatastore.cluster.repair;

import io.geodatastore.cluster.AntiEntropyMessage;
import io.geodatastore.cluster.Cancellable;
import io.geodatastore.cluster.Env;
import io.geodatastore.cluster.NodeAddress;
import io.geodatastore.cluster.NodeId;
import io.geodatastore.cluster.RecordMessage;
import io.geodatastore.cluster.replication.LocalReplica;
import io.geodatastore.cluster.replication.Replication;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.storage.KeyHash;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.KeyedRecord;
import io.geodatastore.storage.Merkle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * One anti-entropy exchange with one peer: compare the trees top-down, descending only into what
 * differs, then ship the differing keys' full records both ways.
 *
 * <ol>
 *   <li>Ask for the peer's tree top, sending our root: an equal root ends the comparison at once.
 *   <li>Compare the {@link Merkle#BRANCHES} branch sums; ask for the leaf sums of the branches that
 *       differ ({@link AntiEntropyMessage#BRANCHES_MAX} per request).
 *   <li>For each leaf that differs, read its keys and key hashes on both sides: ask the peer for
 *       its page unless its leaf is 0 (empty), read our own unless ours is. A leaf empty here needs
 *       no comparison: the peer's records of the whole leaf are fetched at once ({@link
 *       AntiEntropyMessage.LeafRecordsRequest}), so an empty replica receives each key once.
 *   <li>A key the peer has with another hash, or that only the peer has, is fetched ({@link
 *       RecordExchange#fetch}, following {@code deferred}) and merged once the {@link CausalGate}
 *       lets it; a key we have with another hash, or that only we have, is read and pushed ({@link
 *       RecordExchange#push}). Both sides end with the join of both records.
 *   <li>Keys quarantined here as corrupt are fetched too, whatever the trees say (a corrupt value
 *       may hash as the healthy one did).
 * </ol>
 *
 * <p>Pipelined and bounded: at most {@code requestsInFlightMax} requests outstanding; the leaf sums
 * of differing branches asked first (while at most {@link #OPEN_LEAVES_MAX} leaves wait for their
 * keys), then work downstream (pushes, fetches) preferred to key pages, which pause while enough
 * keys are queued, so memory stays bounded whatever the size of the difference. All traffic is
 * charged to a {@link TokenBucket}; no request goes out while it is in debt. A request without an
 * answer is sent again up to {@link AntiEntropyOptions#ATTEMPTS} times; then the exchange fails
 * (the next round starts afresh). Runs on the logical thread; not thread-safe.
 */
final class Exchange {

  /** Bytes counted for a message's envelope and fixed fields. */
  static final long MESSAGE_BYTES = 32;

  /** Bytes counted for the framing of one record in a message, beyond {@code recordBytes}. */
  static final long RECORD_FRAMING_BYTES = 4;

  /** The most bytes of records in one push. */
  static final long PUSH_BYTES_MAX = 4L << 20;

  /** Leaves that differ and wait for a key page of one side, at most, before more are asked. */
  static final int OPEN_LEAVES_MAX = 16_384;

  /** Keys queued to fetch or push, at most, before more pages are asked. */
  static final int QUEUED_KEYS_MAX = 4 * RecordMessage.KEYS_MAX;

  /** Fetched record sets waiting for the causal gate or their merge, at most. */
  static final int MERGES_MAX = 4;

  /** Local reads (key pages, records to push) outstanding at most. */
  static final int LOCAL_READS_MAX = 2;

  /** Branches per request of leaf sums. */
  static final int BRANCHES_PER_REQUEST = 32;

  /** Everything an exchange needs of its node. */
  record Context(
      Env env,
      NodeId self,
      NodeAddress selfAddress,
      LocalReplica local,
      Replication replication,
      RecordExchange records,
      CausalGate gate,
      Requests<AntiEntropyMessage> requests,
      AntiEntropyOptions options,
      ToLongFunction<KeyedRecord> recordBytes) {}

  /** The keys of a leaf that differs, as each side holds them (null until read). */
  private static final class LeafDiff {
    Map<KeyRef, Long> peer;
    Map<KeyRef, Long> local;
  }

  private final Context cx;
  private final NodeId peer;
  private final String peerRegion;
  private final NodeAddress peerAddress;
  private final ExchangeReport.Scope scope;
  private final TokenBucket bucket;
  private final Traffic traffic;
  private final Consumer<Exchange> finished;

  private final ArrayDeque<Integer> branchQueue = new ArrayDeque<>();
  private final ArrayDeque<Integer> remoteLeafQueue = new ArrayDeque<>();
  private final ArrayDeque<Integer> localLeafQueue = new ArrayDeque<>();
  private final ArrayDeque<Integer> pullLeafQueue = new ArrayDeque<>();
  private final TreeMap<Integer, LeafDiff> open = new TreeMap<>();
  private final LinkedHashSet<KeyRef> fetchQueue = new LinkedHashSet<>();
  private final LinkedHashSet<KeyRef> pushQueue = new LinkedHashSet<>();
  private final ArrayDeque<List<KeyedRecord>> pushReady = new ArrayDeque<>();
  private boolean treeAsked;
  private boolean treeAnswered;
  private int inFlight;
  private int localReads;
  private int merges;
  private Cancellable wake;
  private boolean done;
  private String failure = "";
  private VersionVector myComplete;
  private VersionVector peerComplete;
  private long treeRequestId;
  private boolean incomplete;

  private final long startedMs;
  private long localRoot;
  private long rangesCompared;
  private long keysCompared;
  private long keysFetched;
  private long keysPushed;
  private long repairedHere;
  private long repairedThere;
  private long bytesSent;
  private long bytesReceived;
  private long endedMs = -1;

  /** Traffic totals of the node, charged as the exchange goes. */
  interface Traffic {
    void sent(long bytes);

    void received(long bytes);
  }

  Exchange(
      Context cx,
      NodeId peer,
      String peerRegion,
      NodeAddress peerAddress,
      ExchangeReport.Scope scope,
      TokenBucket bucket,
      Traffic traffic,
      Consumer<Exchange> finished) {
    this.cx = cx;
    this.peer = peer;
    this.peerRegion = peerRegion;
    this.peerAddress = peerAddress;
    this.scope = scope;
    this.bucket = bucket;
    this.traffic = traffic;
    this.finished = finished;
    this.startedMs = cx.env().nowMs();
  }

  /**
   * Starts the exchange: this replica's complete watermarks are noted (what the peer will hold of
   * it once every difference is shipped), the quarantined keys are queued, the tree's top is asked
   * for.
   */
  void start() {
    myComplete = VersionVector.of(cx.replication().completeVector());
    List<KeyRef> quarantined = cx.local().quarantined();
    for (int i = 0; i < quarantined.size() && i < RecordMessage.KEYS_MAX; i++) {
      fetchQueue.add(quarantined.get(i));
    }
    pump();
  }

  /** Ends the exchange as failed (the node stops); nothing more is sent. */
  void abort(String why) {
    fail(why);
  }

  NodeId peer() {
    return peer;
  }

  ExchangeReport.Scope scope() {
    return scope;
  }

  boolean isDone() {
    return done;
  }

  boolean failed() {
    return !failure.isEmpty();
  }

  /**
   * Whether the exchange shipped every difference both ways and nothing was left out for being
   * corrupt on either side: then each side holds everything the other's complete watermarks at the
   * start name.
   */
  boolean converged() {
    return done && !failed() && !incomplete && peerComplete != null;
  }

  /** The peer's complete watermarks as it answered the tree request; null before. */
  VersionVector peerComplete() {
    return peerComplete;
  }

  /** This replica's complete watermarks when the exchange started. */
  VersionVector myComplete() {
    return myComplete;
  }

  /** The id of the exchange's (last) tree request. */
  long treeRequestId() {
    return treeRequestId;
  }

  long rangesCompared() {
    return rangesCompared;
  }

  long keysRepaired() {
    return repairedHere + repairedThere;
  }

  long bytes() {
    return bytesSent + bytesReceived;
  }

  ExchangeReport report() {
    ExchangeReport.Outcome outcome =
        failed()
            ? ExchangeReport.Outcome.FAILED
            : repairedHere + repairedThere > 0
                ? ExchangeReport.Outcome.REPAIRED
                : ExchangeReport.Outcome.IN_SYNC;
    long end = endedMs >= 0 ? endedMs : cx.env().nowMs();
    return new ExchangeReport(
        peer,
        peerRegion,
        scope,
        outcome,
        failure,
        rangesCompared,
        keysCompared,
        keysFetched,
        keysPushed,
        repairedHere,
        repairedThere,
        bytesSent,
        bytesReceived,
        end - startedMs);
  }

  // ---- the pump: issue whatever work may go out now ----

  private void pump() {
    if (done) {
      return;
    }
    issueLocalWork();
    long waitMs = bucket.waitMs(cx.env().nowMs());
    if (waitMs > 0) {
      if (wake == null) {
        wake =
            cx.env()
                .schedule(
                    waitMs,
                    () -> {
                      wake = null;
                      pump();
                    });
      }
    } else {
      issueNetworkWork();
    }
    finishIfDone();
  }

  private boolean backlogFull() {
    return fetchQueue.size() + pushQueue.size() >= QUEUED_KEYS_MAX;
  }

  private void issueLocalWork() {
    while (localReads < LOCAL_READS_MAX && !done) {
      if (!pushQueue.isEmpty() && pushReady.size() < 2) {
        readForPush(take(pushQueue, RecordMessage.KEYS_MAX));
      } else if (!localLeafQueue.isEmpty() && !backlogFull()) {
        readLocalKeys(takeLeaves(localLeafQueue));
      } else {
        return;
      }
    }
  }

  private void issueNetworkWork() {
    while (inFlight < cx.options().requestsInFlightMax()
        && !done
        && bucket.waitMs(cx.env().nowMs()) == 0) {
      if (!treeAsked) {
        treeAsked = true;
        askTree(0);
      } else if (!branchQueue.isEmpty() && open.size() < OPEN_LEAVES_MAX) {
        // First: leaf sums are small (2 KiB a branch) and knowing which leaves differ early lets
        // the key pages go out in large batches.
        List<Integer> branches = new ArrayList<>();
        while (!branchQueue.isEmpty() && branches.size() < BRANCHES_PER_REQUEST) {
          branches.add(branchQueue.poll());
        }
        Collections.sort(branches);
        askLeaves(branches, 0);
      } else if (!pushReady.isEmpty()) {
        push(pushReady.poll(), 0);
      } else if (!fetchQueue.isEmpty() && merges < MERGES_MAX) {
        fetch(take(fetchQueue, RecordMessage.KEYS_MAX), 0);
      } else if (!pullLeafQueue.isEmpty() && merges < MERGES_MAX) {
        pull(takeLeaves(pullLeafQueue), 0);
      } else if (!remoteLeafQueue.isEmpty() && !backlogFull()) {
        askKeys(takeLeaves(remoteLeafQueue), 0);
      } else {
        return;
      }
    }
  }

  private void finishIfDone() {
    if (done) {
      return;
    }
    boolean idle =
        treeAnswered
            && inFlight == 0
            && localReads == 0
            && merges == 0
            && branchQueue.isEmpty()
            && remoteLeafQueue.isEmpty()
            && localLeafQueue.isEmpty()
            && pullLeafQueue.isEmpty()
            && open.isEmpty()
            && fetchQueue.isEmpty()
            && pushQueue.isEmpty()
            && pushReady.isEmpty();
    if (idle) {
      end();
    }
  }

  private void fail(String why) {
    if (done) {
      return;
    }
    failure = why;
    end();
  }

  private void end() {
    done = true;
    endedMs = cx.env().nowMs();
    if (wake != null) {
      wake.cancel();
      wake = null;
    }
    finished.accept(this);
  }

  // ---- requests, with their traffic charged and a bounded number of attempts ----

  private void sent(long bytes) {
    bytesSent += bytes;
    traffic.sent(bytes);
    bucket.charge(bytes, cx.env().nowMs());
  }

  private void received(long bytes) {
    bytesReceived += bytes;
    traffic.received(bytes);
    bucket.charge(bytes, cx.env().nowMs());
  }

  /**
   * Counts a request out; when its answer (or silence) comes back, counts it in and either hands
   * the answer on, or retries ({@code retry}) while attempts remain, or fails the exchange.
   */
  private <T> Consumer<Optional<T>> answer(
      int attempt, String what, Consumer<T> onAnswer, Runnable retry) {
    inFlight++;
    return r -> {
      inFlight--;
      if (done) {
        return;
      }
      if (r.isPresent()) {
        onAnswer.accept(r.get());
      } else if (attempt + 1 < AntiEntropyOptions.ATTEMPTS) {
        retry.run();
      } else {
        fail("no answer from " + peer + " to " + what + " after " + AntiEntropyOptions.ATTEMPTS);
        return;
      }
      pump();
    };
  }

  private void askTree(int attempt) {
    localRoot = Merkle.root(cx.local().merkleBranches());
    sent(MESSAGE_BYTES);
    VersionVector horizon = cx.replication().horizon();
    cx.requests()
        .send(
            peerAddress,
            id -> {
              treeRequestId = id;
              return new AntiEntropyMessage.TreeRequest(
                  cx.self(), cx.selfAddress(), id, localRoot, horizon);
            },
            AntiEntropyMessage.TreeReply.class,
            cx.options().requestTimeoutMs(),
            answer(attempt, "the tree request", this::onTree, () -> askTree(attempt + 1)));
  }

  private void onTree(AntiEntropyMessage.TreeReply r) {
    received(treeReplyBytes(r));
    treeAnswered = true;
    peerComplete = r.complete();
    // Before anything of the peer's is merged: its records were collected under its horizon.
    cx.replication().learnHorizon(r.horizon());
    rangesCompared++;
    if (r.branches().size() == 0 || r.root() == localRoot) {
      return; // equal trees
    }
    long[] mine = cx.local().merkleBranches();
    rangesCompared += Merkle.BRANCHES;
    for (int b = 0; b < Merkle.BRANCHES; b++) {
      if (mine[b] != r.branches().get(b)) {
        branchQueue.add(b);
      }
    }
  }

  private void askLeaves(List<Integer> branches, int attempt) {
    sent(MESSAGE_BYTES + 2L * branches.size());
    cx.requests()
        .send(
            peerAddress,
            id -> new AntiEntropyMessage.LeavesRequest(cx.self(), cx.selfAddress(), id, branches),
            AntiEntropyMessage.LeavesReply.class,
            cx.options().requestTimeoutMs(),
            answer(
                attempt,
                "a request of leaves",
                r -> onLeaves(branches, r),
                () -> askLeaves(branches, attempt + 1)));
  }

  private void onLeaves(List<Integer> asked, AntiEntropyMessage.LeavesReply r) {
    received(leavesReplyBytes(r));
    if (!r.branches().equals(asked)) {
      fail("the peer answered leaves of other branches than asked");
      return;
    }
    for (int i = 0; i < asked.size(); i++) {
      int branch = asked.get(i);
      long[] mine = cx.local().merkleLeaves(branch);
      rangesCompared += Merkle.LEAVES_PER_BRANCH;
      for (int j = 0; j < Merkle.LEAVES_PER_BRANCH; j++) {
        long theirs = r.leaves().get(i * Merkle.LEAVES_PER_BRANCH + j);
        if (theirs == mine[j]) {
          continue;
        }
        int leaf = branch * Merkle.LEAVES_PER_BRANCH + j;
        if (mine[j] == 0) {
          pullLeafQueue.add(leaf); // nothing here: the peer's whole leaf, without comparing
          continue;
        }
        LeafDiff d = new LeafDiff();
        if (theirs == 0) {
          d.peer = Map.of(); // an empty leaf: nothing to ask
        } else {
          remoteLeafQueue.add(leaf);
        }
        localLeafQueue.add(leaf);
        open.put(leaf, d);
      }
    }
  }

  private void askKeys(List<Integer> leaves, int attempt) {
    sent(MESSAGE_BYTES + 3L * leaves.size());
    int keysMax = cx.options().keysPageMax();
    cx.requests()
        .send(
            peerAddress,
            id ->
                new AntiEntropyMessage.KeysRequest(
                    cx.self(), cx.selfAddress(), id, leaves, keysMax),
            AntiEntropyMessage.KeysReply.class,
            cx.options().requestTimeoutMs(),
            answer(
                attempt,
                "a request of keys",
                r -> onKeys(leaves, r.keys(), r.leavesRead(), true),
                () -> askKeys(leaves, attempt + 1)));
  }

  private void readLocalKeys(List<Integer> leaves) {
    localReads++;
    cx.local()
        .merkleKeys(
            leaves,
            cx.options().keysPageMax(),
            page -> {
              localReads--;
              if (done) {
                return;
              }
              onKeys(leaves, page.keys(), page.leavesRead(), false);
              pump();
            });
  }

  /** A page of keys of the first {@code read} of {@code leaves}, from the peer or from here. */
  private void onKeys(List<Integer> leaves, List<KeyHash> keys, int read, boolean remote) {
    if (remote) {
      received(keysReplyBytes(keys));
    }
    if (read < 1 || read > leaves.size()) {
      fail((remote ? "the peer" : "the local replica") + " read " + read + " of " + leaves.size());
      return;
    }
    Map<Integer, Map<KeyRef, Long>> byLeaf = new HashMap<>();
    for (int i = 0; i < read; i++) {
      byLeaf.put(leaves.get(i), new HashMap<>());
    }
    for (KeyHash k : keys) {
      Map<KeyRef, Long> m = byLeaf.get(k.leaf());
      if (m == null || Merkle.leaf(k.key()) != k.leaf()) {
        fail("a page of keys named " + k.key() + " outside the leaves read");
        return;
      }
      m.put(k.key(), k.hash());
    }
    ArrayDeque<Integer> queue = remote ? remoteLeafQueue : localLeafQueue;
    for (int i = leaves.size() - 1; i >= read; i--) {
      queue.addFirst(leaves.get(i)); // not read: ask again
    }
    for (int i = 0; i < read; i++) {
      int leaf = leaves.get(i);
      LeafDiff d = open.get(leaf);
      if (d == null) {
        continue;
      }
      if (remote) {
        d.peer = byLeaf.get(leaf);
      } else {
        d.local = byLeaf.get(leaf);
      }
      if (d.peer != null && d.local != null) {
        settle(d);
        open.remove(leaf);
      }
    }
  }

  /** Both sides of a leaf are known: what differs is queued to fetch or push. */
  private void settle(LeafDiff d) {
    for (Map.Entry<KeyRef, Long> e : d.peer.entrySet()) {
      Long mine = d.local.get(e.getKey());
      keysCompared++;
      if (mine == null || !mine.equals(e.getValue())) {
        fetchQueue.add(e.getKey());
      }
    }
    for (Map.Entry<KeyRef, Long> e : d.local.entrySet()) {
      Long theirs = d.peer.get(e.getKey());
      if (theirs == null) {
        keysCompared++;
      }
      if (theirs == null || !theirs.equals(e.getValue())) {
        pushQueue.add(e.getKey());
      }
    }
  }

  // ---- records ----

  private void fetch(List<KeyRef> keys, int attempt) {
    long bytes = MESSAGE_BYTES;
    for (KeyRef k : keys) {
      bytes += keyBytes(k);
    }
    sent(bytes);
    cx.records()
        .fetch(
            peerAddress,
            keys,
            cx.options().requestTimeoutMs(),
            answer(attempt, "a fetch of records", this::onRecords, () -> fetch(keys, attempt + 1)));
  }

  private void onRecords(RecordMessage.Records r) {
    long bytes = MESSAGE_BYTES + 16L * r.covers().size();
    for (KeyedRecord kr : r.found()) {
      bytes += cx.recordBytes().applyAsLong(kr) + RECORD_FRAMING_BYTES;
    }
    for (List<KeyRef> ks : List.of(r.absent(), r.unreadable(), r.deferred())) {
      for (KeyRef k : ks) {
        bytes += keyBytes(k);
      }
    }
    received(bytes);
    fetchQueue.addAll(r.deferred());
    if (!r.unreadable().isEmpty()) {
      incomplete = true; // corrupt at the peer: it still has them, this replica does not
    }
    mergeFetched(r.found(), r.covers());
  }

  /** Asks for the records of whole leaves that are empty here. */
  private void pull(List<Integer> leaves, int attempt) {
    sent(MESSAGE_BYTES + 3L * leaves.size());
    cx.requests()
        .send(
            peerAddress,
            id ->
                new AntiEntropyMessage.LeafRecordsRequest(
                    cx.self(), cx.selfAddress(), id, leaves, RecordMessage.KEYS_MAX),
            AntiEntropyMessage.LeafRecords.class,
            cx.options().requestTimeoutMs(),
            answer(
                attempt,
                "a request of leaves' records",
                r -> onLeafRecords(leaves, r),
                () -> pull(leaves, attempt + 1)));
  }

  private void onLeafRecords(List<Integer> leaves, AntiEntropyMessage.LeafRecords r) {
    received(leafRecordsBytes(r, cx.recordBytes()));
    int read = r.leavesRead();
    if (read < 1 || read > leaves.size()) {
      fail("the peer answered " + read + " of " + leaves.size() + " leaves' records");
      return;
    }
    java.util.Set<Integer> answered = new java.util.HashSet<>(leaves.subList(0, read));
    for (KeyedRecord kr : r.records()) {
      if (!answered.contains(Merkle.leaf(kr.key()))) {
        fail("the peer sent the record of " + kr.key() + " outside the leaves answered");
        return;
      }
    }
    for (int i = leaves.size() - 1; i >= read; i--) {
      pullLeafQueue.addFirst(leaves.get(i)); // not answered: ask again
    }
    if (r.unreadable() > 0) {
      incomplete = true;
    }
    mergeFetched(r.records(), r.covers());
  }

  /** Merges records fetched from the peer once the causal gate lets them through. */
  private void mergeFetched(List<KeyedRecord> found, VersionVector covers) {
    if (found.isEmpty()) {
      return;
    }
    keysFetched += found.size();
    merges++;
    boolean admitted =
        cx.gate()
            .admit(
                covers,
                () ->
                    cx.local()
                        .mergeRecords(
                            found,
                            covers,
                            changed -> {
                              merges--;
                              if (changed < 0) {
                                fail("merging fetched records failed here");
                                return;
                              }
                              repairedHere += changed;
                              pump();
                            }));
    if (!admitted) {
      merges--;
      fail("too many record sets wait for their causal past here");
    }
  }

  private void readForPush(List<KeyRef> keys) {
    localReads++;
    cx.local()
        .readRecords(
            keys,
            read -> {
              localReads--;
              if (done) {
                return;
              }
              // Absent: deleted and collected meanwhile; unreadable: corrupt here (fetched
              // instead), so the peer may lack it.
              if (!read.unreadable().isEmpty()) {
                incomplete = true;
              }
              List<KeyedRecord> chunk = new ArrayList<>();
              long bytes = 0;
              for (KeyedRecord kr : read.found()) {
                long size = cx.recordBytes().applyAsLong(kr) + RECORD_FRAMING_BYTES;
                if (!chunk.isEmpty() && bytes + size > PUSH_BYTES_MAX) {
                  pushReady.add(chunk);
                  chunk = new ArrayList<>();
                  bytes = 0;
                }
                chunk.add(kr);
                bytes += size;
              }
              if (!chunk.isEmpty()) {
                pushReady.add(chunk);
              }
              pump();
            });
  }

  private void push(List<KeyedRecord> chunk, int attempt) {
    long bytes = MESSAGE_BYTES + 16L * cx.local().coverage().size();
    for (KeyedRecord kr : chunk) {
      bytes += cx.recordBytes().applyAsLong(kr) + RECORD_FRAMING_BYTES;
    }
    sent(bytes);
    cx.records()
        .push(
            peerAddress,
            chunk,
            cx.options().requestTimeoutMs(),
            answer(
                attempt,
                "a push of records",
                ack -> {
                  received(MESSAGE_BYTES);
                  if (ack.ok()) {
                    keysPushed += chunk.size();
                    repairedThere += ack.changed();
                  } else if (attempt + 1 < AntiEntropyOptions.ATTEMPTS) {
                    pushLater(chunk, attempt + 1); // refused for now (busy): sent again shortly
                  } else {
                    fail("the peer refused a push of records " + AntiEntropyOptions.ATTEMPTS);
                  }
                },
                () -> push(chunk, attempt + 1)));
  }

  private void pushLater(List<KeyedRecord> chunk, int attempt) {
    inFlight++; // holds the exchange open meanwhile
    cx.env()
        .schedule(
            cx.options().urgentCheckMs(),
            () -> {
              inFlight--;
              if (!done) {
                push(chunk, attempt);
              }
            });
  }

  // ---- the size of answers, as the asker and the answering node both charge them ----

  static long treeReplyBytes(AntiEntropyMessage.TreeReply r) {
    return MESSAGE_BYTES
        + 8L * r.branches().size()
        + 16L * (r.complete().size() + r.horizon().size());
  }

  static long leavesReplyBytes(AntiEntropyMessage.LeavesReply r) {
    return MESSAGE_BYTES + 8L * r.leaves().size();
  }

  static long keysReplyBytes(List<KeyHash> keys) {
    long bytes = MESSAGE_BYTES;
    for (KeyHash k : keys) {
      bytes += keyBytes(k.key()) + 8;
    }
    return bytes;
  }

  static long leafRecordsBytes(
      AntiEntropyMessage.LeafRecords r, ToLongFunction<KeyedRecord> recordBytes) {
    long bytes = MESSAGE_BYTES + 16L * r.covers().size();
    for (KeyedRecord kr : r.records()) {
      bytes += recordBytes.applyAsLong(kr) + RECORD_FRAMING_BYTES;
    }
    return bytes;
  }

  // ---- helpers ----

  private static long keyBytes(KeyRef k) {
    return 2L + k.nameBytes().length;
  }

  private static <T> List<T> take(LinkedHashSet<T> from, int n) {
    List<T> out = new ArrayList<>(Math.min(n, from.size()));
    Iterator<T> it = from.iterator();
    while (it.hasNext() && out.size() < n) {
      out.add(it.next());
      it.remove();
    }
    return out;
  }

  private static List<Integer> takeLeaves(ArrayDeque<Integer> from) {
    List<Integer> out = new ArrayList<>();
    while (!from.isEmpty() && out.size() < AntiEntropyMessage.LEAVES_MAX) {
      out.add(from.poll());
    }
    Collections.sort(out);
    return out;
  }
}
