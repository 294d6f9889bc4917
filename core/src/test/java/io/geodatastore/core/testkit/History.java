package io.geodatastore.core.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.crdt.Crdt;
import io.geodatastore.core.crdt.Update;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A seeded run of random operations on a few replicas, each operation's delta sent to every other
 * replica over a network that reorders, duplicates and loses messages. Everything is derived from
 * the seed, so a failure message naming the seed replays it exactly: {@code History.run(gen, seed,
 * ...)}.
 *
 * @param <T> the data type
 */
public final class History<T extends Crdt<T>> {

  /**
   * One mutation as it happened: the state before it, at which replica, and the update.
   *
   * @param replica the index of the replica that performed it
   * @param pre its state before
   * @param update the data type's result
   * @param description what was done
   */
  public record Step<T extends Crdt<T>>(int replica, T pre, Update<T> update, String description) {}

  /**
   * How a history runs.
   *
   * @param replicas 1 to 5
   * @param ops how many operations
   * @param lossPercent chance a delta message is lost
   * @param duplicatePercent chance a delta message is sent twice
   * @param maxOffsetMs the HLC max offset of every replica
   * @param skewMsMax how far each replica's physical clock may be off, either way
   */
  public record Config(
      int replicas,
      int ops,
      int lossPercent,
      int duplicatePercent,
      long maxOffsetMs,
      long skewMsMax) {

    /** A random configuration: 1 to 5 replicas (3 to 5 when {@code convergence}). */
    public static Config random(Random rnd, boolean convergence) {
      int replicas = convergence ? 3 + rnd.nextInt(3) : 1 + rnd.nextInt(5);
      return new Config(
          replicas,
          5 + rnd.nextInt(60),
          rnd.nextInt(40),
          rnd.nextInt(30),
          rnd.nextBoolean() ? 5_000 : 500_000,
          rnd.nextBoolean() ? 10_000 : 0);
    }
  }

  private record Message(int to, Object delta, Object event) {}

  public final long seed;
  public final Config config;
  public final TypeGen<T> gen;
  public final TypeGen.Model<T> model;
  public final List<Node<T>> nodes = new ArrayList<>();
  public final List<Step<T>> steps = new ArrayList<>();

  /** Every state any replica held, in order of appearance, for the law tests. */
  public final List<T> states = new ArrayList<>();

  private final Random rnd;
  private final List<Message> inFlight = new ArrayList<>();
  private long trueMs = 1_700_000_000_000L;

  private History(TypeGen<T> gen, long seed, Config config) {
    this.seed = seed;
    this.config = config;
    this.gen = gen;
    this.rnd = new Random(seed);
    this.model = gen.newModel(config.replicas());
    for (int i = 0; i < config.replicas(); i++) {
      long skew =
          config.skewMsMax() == 0 ? 0 : rnd.nextLong(-config.skewMsMax(), config.skewMsMax() + 1);
      nodes.add(new Node<>(i, skew, config.maxOffsetMs(), gen.empty()));
    }
  }

  /** Runs the operations of a random configuration drawn from {@code seed}. */
  public static <T extends Crdt<T>> History<T> run(TypeGen<T> gen, long seed, boolean convergence) {
    Config config = Config.random(new Random(seed ^ 0x5DEECE66DL), convergence);
    return run(gen, seed, config);
  }

  /** Runs {@code config.ops()} operations, delivering some messages between them. */
  public static <T extends Crdt<T>> History<T> run(TypeGen<T> gen, long seed, Config config) {
    History<T> h = new History<>(gen, seed, config);
    for (int i = 0; i < config.ops(); i++) {
      h.deliverSome();
      h.operate();
    }
    return h;
  }

  /** What a failure message should start with. */
  public String describe() {
    return gen.type() + " seed=" + seed + " " + config;
  }

  private void operate() {
    trueMs += rnd.nextInt(50);
    Node<T> at = nodes.get(rnd.nextInt(nodes.size()));
    T pre = at.state;
    TypeGen.Op<T> op = gen.randomOp(rnd, at, nodes, trueMs, model);
    Update<T> u = op.update();
    String where = describe() + " step " + steps.size() + " " + at.id + " " + op.description();
    assertThat(pre.merge(u.delta())).as(where + ": pre ⊔ delta = post").isEqualTo(u.state());
    at.state = u.state();
    steps.add(new Step<>(at.index, pre, u, op.description()));
    states.add(u.state());
    states.add(u.delta());
    model.checkReplica(at.index, at.state, where);
    if (!u.changed()) {
      return;
    }
    for (Node<T> n : nodes) {
      if (n == at || rnd.nextInt(100) < config.lossPercent()) {
        continue;
      }
      inFlight.add(new Message(n.index, u.delta(), op.event()));
      if (rnd.nextInt(100) < config.duplicatePercent()) {
        inFlight.add(new Message(n.index, u.delta(), op.event()));
      }
    }
  }

  private void deliverSome() {
    int count = inFlight.isEmpty() ? 0 : rnd.nextInt(inFlight.size() + 1);
    for (int i = 0; i < count; i++) {
      deliver(inFlight.remove(rnd.nextInt(inFlight.size())));
    }
  }

  @SuppressWarnings("unchecked")
  private void deliver(Message m) {
    Node<T> to = nodes.get(m.to());
    T delta = (T) m.delta();
    to.state = to.state.merge(delta);
    gen.onMerged(to, delta, trueMs);
    model.delivered(m.to(), m.event());
    states.add(to.state);
    model.checkReplica(m.to(), to.state, describe() + " delivery to " + to.id);
  }

  /**
   * Delivers a random part of the messages still in flight (the rest are lost), then runs one
   * full-state anti-entropy round in which every replica merges every other's state, in a random
   * order.
   */
  public void antiEntropy() {
    deliverSome();
    inFlight.clear();
    List<T> snapshot = new ArrayList<>();
    for (Node<T> n : nodes) {
      snapshot.add(n.state);
    }
    for (Node<T> n : nodes) {
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < nodes.size(); i++) {
        order.add(i);
      }
      java.util.Collections.shuffle(order, rnd);
      for (int from : order) {
        if (from != n.index) {
          n.state = n.state.merge(snapshot.get(from));
          gen.onMerged(n, snapshot.get(from), trueMs);
          model.mergedFullState(n.index, from);
        }
      }
    }
  }

  /** A random state this history produced (any replica, any time, deltas included), or bottom. */
  public T randomState(Random r) {
    return states.isEmpty() || r.nextInt(10) == 0
        ? gen.empty()
        : states.get(r.nextInt(states.size()));
  }
}
