package io.geodatastore.core.testkit;

import io.geodatastore.core.crdt.Crdt;
import io.geodatastore.core.crdt.CrdtType;
import java.util.Random;

/**
 * Random operations of one data type, and the sequential model they are checked against.
 *
 * @param <T> the data type
 */
public interface TypeGen<T extends Crdt<T>> {

  CrdtType type();

  /** The bottom state. */
  T empty();

  /** A fresh model for one history of {@code replicas} replicas. */
  Model<T> newModel(int replicas);

  /**
   * Applies one random operation at {@code at} (whose state it must not assign) and tells the
   * model.
   *
   * @param nodes every replica, for operations that borrow another's context (a forged MV read)
   * @param trueMs the simulation's true time
   */
  Op<T> randomOp(
      Random rnd, Node<T> at, java.util.List<Node<T>> nodes, long trueMs, Model<T> model);

  /**
   * Called after {@code at} merged {@code incoming}: e.g. an HLC receives the write's timestamp.
   */
  default void onMerged(Node<T> at, T incoming, long trueMs) {}

  /**
   * One operation's outcome.
   *
   * @param update what the data type returned
   * @param event the model's record of it, handed back on delivery
   * @param description for failure messages
   */
  record Op<T extends Crdt<T>>(
      io.geodatastore.core.crdt.Update<T> update, Object event, String description) {}

  /**
   * A sequential model of one history: it learns every operation and every delivery, and checks
   * replica states against what it expects.
   */
  interface Model<T extends Crdt<T>> {

    /** Replica {@code to} merged the delta of the operation recorded as {@code event}. */
    default void delivered(int to, Object event) {}

    /** Replica {@code into} merged the full state of replica {@code from}. */
    default void mergedFullState(int into, int from) {}

    /** Checks one replica mid-history; models that track each replica override it. */
    default void checkReplica(int replica, T state, String context) {}

    /** Checks the state every replica converged to. */
    void checkConverged(T state, String context);
  }
}
