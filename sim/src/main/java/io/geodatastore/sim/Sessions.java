package io.geodatastore.sim;

import io.geodatastore.cluster.coordination.ReadLevel;
import io.geodatastore.cluster.coordination.ReadOutcome;
import io.geodatastore.cluster.replication.WriteLevel;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.crdt.GSet;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.WriteResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The simulation's client sessions. Each session is a client that issues one operation at a time to
 * a node chosen at random among the up ones (any region), as a client behind a global load balancer
 * would, and carries its session token from answer to answer exactly as the {@code X-Geo-Session}
 * header does: after a write it joins the node's coverage and the write's own sequence, after a
 * read what the answer may show. Writes add a fresh element to one of a few G-Sets, acknowledged at
 * a random level; reads ask at a random level beyond {@code eventual}. Everything goes to a {@link
 * SessionHistory}, which checks it.
 *
 * <p>With {@code guarantees} off, {@code session} and {@code causal} reads are answered from the
 * node's records at once, ignoring the token: the checker must then find violations (it can fail).
 */
final class Sessions {

  /**
   * @param sessions how many client sessions
   * @param keys how many G-Set keys they share
   * @param readTimeoutMs how long a read beyond eventual may take
   * @param sessionWaitMs how long a session read waits for replication before it fetches
   * @param writeTimeoutMs how long a write at a quorum level waits for acknowledgements
   * @param guarantees whether session reads honour the token (off: answered locally at once)
   */
  record Options(
      int sessions,
      int keys,
      long readTimeoutMs,
      long sessionWaitMs,
      long writeTimeoutMs,
      boolean guarantees) {}

  private static final WriteLevel[] WRITE_LEVELS = {
    WriteLevel.LOCAL, WriteLevel.LOCAL, WriteLevel.LOCAL_QUORUM, WriteLevel.QUORUM, WriteLevel.ALL
  };

  private static final ReadLevel[] READ_LEVELS = {
    ReadLevel.SESSION,
    ReadLevel.SESSION,
    ReadLevel.CAUSAL,
    ReadLevel.LOCAL_QUORUM,
    ReadLevel.QUORUM,
    ReadLevel.ALL
  };

  private final class Session {
    final int id;
    VersionVector token = VersionVector.EMPTY;
    boolean busy;
    int writes;

    Session(int id) {
      this.id = id;
    }
  }

  private final Options options;
  private final SimCluster cluster;
  private final SimNet net;
  private final SplittableRandom random;
  private final SessionHistory history = new SessionHistory();
  private final List<Session> sessions = new ArrayList<>();

  Sessions(Options options, SimCluster cluster, SplittableRandom random) {
    this.options = options;
    this.cluster = cluster;
    this.net = cluster.net();
    this.random = random;
    for (int i = 0; i < options.sessions(); i++) {
      sessions.add(new Session(i));
    }
  }

  SessionHistory history() {
    return history;
  }

  KeyRef key(int i) {
    return KeyRef.of(Family.SETS, "session-" + i);
  }

  /** A random session, if idle, issues its next operation at a random up node. */
  void step() {
    if (sessions.isEmpty()) {
      return;
    }
    Session s = sessions.get(random.nextInt(sessions.size()));
    List<SimNode> up = cluster.nodes().stream().filter(SimNode::isUp).toList();
    if (s.busy || up.isEmpty()) {
      return;
    }
    SimNode node = up.get(random.nextInt(up.size()));
    KeyRef key = key(random.nextInt(options.keys()));
    if (random.nextInt(100) < 45) {
      write(s, node, key);
    } else {
      read(s, node, key);
    }
  }

  private void write(Session s, SimNode node, KeyRef key) {
    String element = "s" + s.id + "w" + s.writes++;
    WriteLevel level = WRITE_LEVELS[random.nextInt(WRITE_LEVELS.length)];
    WriteResult r =
        node.write(key, new Operation.Create(CrdtType.G_SET, new Operation.Add(List.of(element))));
    if (!(r instanceof WriteResult.Written w) || w.logId() == null) {
      throw new IllegalStateException("session write of " + element + " answered " + r);
    }
    s.token =
        s.token
            .merge(node.replica().coverage())
            .merge(VersionVector.of(w.logId().replica(), w.logId().counter()));
    SessionHistory.Write h =
        history.write(s.id, node.index(), node.region(), key, element, level, net.nowMs());
    net.trace("session " + s.id + " writes " + element + " at n" + node.index() + " " + level);
    if (level == WriteLevel.LOCAL) {
      history.acknowledged(h, true);
      return;
    }
    s.busy = true;
    node.replication()
        .awaitAcks(
            w.logId().counter(),
            level,
            options.writeTimeoutMs(),
            o -> {
              history.acknowledged(h, o.met());
              s.busy = false;
            });
  }

  private void read(Session s, SimNode node, KeyRef key) {
    ReadLevel level = READ_LEVELS[random.nextInt(READ_LEVELS.length)];
    SessionHistory.Read h =
        history.read(s.id, node.index(), node.region(), key, level, net.nowMs());
    net.trace("session " + s.id + " reads " + key + " at n" + node.index() + " " + level);
    if (!level.merges() && !options.guarantees()) {
      KeyRecord r = node.replica().records().get(key);
      s.token = s.token.merge(node.replica().coverage());
      history.answered(h, elements(r), "unchecked");
      return;
    }
    s.busy = true;
    if (level.merges()) {
      node.reads().read(key, level, options.readTimeoutMs(), o -> answered(s, h, o));
    } else {
      node.reads()
          .readSession(
              key,
              level,
              s.token,
              options.sessionWaitMs(),
              options.readTimeoutMs(),
              o -> answered(s, h, o));
    }
  }

  private void answered(Session s, SessionHistory.Read h, ReadOutcome o) {
    s.busy = false;
    switch (o) {
      case ReadOutcome.Served served -> {
        s.token = s.token.merge(served.covers());
        history.answered(
            h, elements(served.record()), served.how().name().toLowerCase(java.util.Locale.ROOT));
      }
      case ReadOutcome.Quarantined q -> history.answered(h, null, "quarantined");
      case ReadOutcome.Unavailable u -> history.answered(h, null, "unavailable");
    }
    net.trace("session " + s.id + " read " + h.key + ": " + h.elements);
  }

  private static Set<String> elements(KeyRecord r) {
    if (r == null || !r.live()) {
      return Set.of();
    }
    if (!(r.state() instanceof GSet g)) {
      throw new IllegalStateException("a session key holds a " + r.type());
    }
    return new TreeSet<>(g.value());
  }

  /** The checks of the history against the records every replica converged to. */
  List<String> check(SimNode converged) {
    Map<KeyRef, Set<String>> fin = new TreeMap<>(java.util.Comparator.comparing(KeyRef::name));
    for (int i = 0; i < options.keys(); i++) {
      fin.put(key(i), elements(converged.replica().records().get(key(i))));
    }
    return history.check(fin);
  }
}
