package io.geodatastore.storage;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.Crdt;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.crdt.MvRegister;
import io.geodatastore.core.op.Operation;
import io.geodatastore.core.op.Operations;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random key records, built only through core's API: random {@link Operation}s applied with {@link
 * Operations#apply} on one to three replicas, with random merges between them. Everything follows
 * from one {@link Random}, so a printed seed replays a failure exactly.
 *
 * <p>All states of one type come from one history: a dot names one write everywhere, as it does in
 * a real cluster (two independent histories would give one dot two different values, a state no
 * replica can reach).
 */
public final class RandomRecords {

  private final Random rnd;
  private final Map<CrdtType, List<Crdt<?>>> histories = new HashMap<>();

  public RandomRecords(Random rnd) {
    this.rnd = rnd;
  }

  public static final List<ReplicaId> REPLICAS =
      List.of(
          ReplicaId.of("us-east-1.0a1b2c3d"),
          ReplicaId.of("eu-west-1.ffee0011"),
          ReplicaId.of("région-ü.00000001"));

  private static final List<String> VALUES =
      List.of("\"a\"", "\"b\"", "1", "-2.5", "null", "true", "{\"k\":[1,2]}", "\"ü€😀\"");

  /** Key names, including non-ASCII and the longest allowed. */
  public static final List<String> NAMES =
      List.of("k", "user:42", "ключ", "emoji-😀", "x".repeat(KeyRef.NAME_BYTES_MAX));

  /**
   * A small pool of epochs so that equal epochs recur: the zero epoch and three delete epochs (two
   * at the same HLC time by different replicas).
   */
  public static final List<Epoch> EPOCHS =
      List.of(
          Epoch.ZERO,
          new Epoch(new HlcTimestamp(100, 0), REPLICAS.get(0)),
          new Epoch(new HlcTimestamp(100, 0), REPLICAS.get(1)),
          new Epoch(new HlcTimestamp(250, 3), REPLICAS.get(0)));

  /** The delete that began {@code e}: one dot per epoch, as on a real replica. */
  public static Dot epochDot(Epoch e) {
    return e.isZero()
        ? null
        : new Dot(e.replica(), e.timestamp().wallMs() + e.timestamp().logical());
  }

  public Family family() {
    return Family.values()[rnd.nextInt(Family.values().length)];
  }

  public static List<CrdtType> typesOf(Family f) {
    List<CrdtType> out = new ArrayList<>();
    for (CrdtType t : CrdtType.values()) {
      if (t.family() == f) {
        out.add(t);
      }
    }
    return out;
  }

  public CrdtType type(Family f) {
    List<CrdtType> ts = typesOf(f);
    return ts.get(rnd.nextInt(ts.size()));
  }

  /** A random record of a type of {@code f}. */
  public KeyRecord record(Family f) {
    CrdtType type = type(f);
    Epoch epoch = EPOCHS.get(rnd.nextInt(EPOCHS.size()));
    return record(type, epoch);
  }

  /**
   * A random record of {@code type} in {@code epoch}: live, or (outside epoch zero) a tombstone.
   */
  public KeyRecord record(CrdtType type, Epoch epoch) {
    boolean live = epoch.isZero() || rnd.nextInt(3) != 0;
    Crdt<?> state = live ? state(type) : type.empty();
    return new KeyRecord(type, epoch, live, state, epochDot(epoch));
  }

  /** A random state of {@code type}, from this generator's one history of that type. */
  public Crdt<?> state(CrdtType type) {
    List<Crdt<?>> seen = histories.computeIfAbsent(type, this::history);
    return seen.get(rnd.nextInt(seen.size()));
  }

  /** Every state reached by random operations on a few replicas, with random merges. */
  private List<Crdt<?>> history(CrdtType type) {
    List<Crdt<?>> seen = new ArrayList<>();
    seen.add(type.empty());
    int n = 1 + rnd.nextInt(REPLICAS.size());
    List<Crdt<?>> states = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      states.add(type.empty());
    }
    int steps = rnd.nextInt(24);
    for (int step = 0; step < steps; step++) {
      int i = rnd.nextInt(n);
      if (n > 1 && rnd.nextInt(5) == 0) {
        states.set(i, (Crdt<?>) states.get(i).mergeAny(states.get(rnd.nextInt(n))).state());
        seen.add(states.get(i));
        continue;
      }
      HlcTimestamp now = new HlcTimestamp(1 + rnd.nextInt(50), rnd.nextInt(3));
      Operations.Outcome o =
          Operations.apply(type, states.get(i), op(type, states.get(i), rnd), REPLICAS.get(i), now);
      if (o instanceof Operations.Applied a) {
        states.set(i, a.state());
        seen.add(a.state());
      }
    }
    return seen;
  }

  /** A random operation that applies to {@code type}. */
  private static Operation op(CrdtType type, Crdt<?> state, Random rnd) {
    return switch (type) {
      case G_COUNTER -> new Operation.Increment(amount(rnd));
      case PN_COUNTER ->
          rnd.nextBoolean()
              ? new Operation.Increment(amount(rnd))
              : new Operation.Decrement(amount(rnd));
      case G_SET -> new Operation.Add(values(rnd));
      case TWO_PHASE_SET, OR_SET ->
          rnd.nextInt(3) == 0 ? new Operation.Remove(values(rnd)) : new Operation.Add(values(rnd));
      case LWW_REGISTER -> new Operation.Write(value(rnd), null);
      case MV_REGISTER ->
          new Operation.Write(
              value(rnd), rnd.nextBoolean() ? null : ((MvRegister) state).context());
    };
  }

  /** A random horizon over {@link #REPLICAS} (some replicas absent). */
  public VersionVector horizon() {
    Map<ReplicaId, Long> m = new HashMap<>();
    for (ReplicaId r : REPLICAS) {
      if (rnd.nextBoolean()) {
        m.put(r, (long) rnd.nextInt(300));
      }
    }
    return VersionVector.of(m);
  }

  private static long amount(Random rnd) {
    return rnd.nextInt(4) == 0 ? rnd.nextLong(1L << 40) : 1 + rnd.nextInt(5);
  }

  private static String value(Random rnd) {
    return VALUES.get(rnd.nextInt(VALUES.size()));
  }

  private static List<String> values(Random rnd) {
    return rnd.nextBoolean() ? List.of(value(rnd)) : List.of(value(rnd), value(rnd));
  }
}
