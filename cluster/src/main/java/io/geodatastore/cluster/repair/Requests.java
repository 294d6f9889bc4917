package io.geodatastore.cluster.repair;

import io.geodatastore.cluster.Cancellable;
import io.geodatastore.cluster.ClusterMessage;
import io.geodatastore.cluster.Env;
import io.geodatastore.cluster.NodeAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.function.ToLongFunction;

/**
 * This node's outstanding requests of one protocol ({@code M}: anti-entropy's or the record
 * exchange's messages): each has an id, a deadline after which its caller hears "no answer", and
 * the type of answer it waits for. At most {@code pendingMax} wait at once; more hear "no answer"
 * at once.
 */
final class Requests<M extends ClusterMessage> {

  private final Env env;
  private final int pendingMax;
  private final ToLongFunction<M> requestIdOf;
  private final Map<Long, Pending<?>> pending = new HashMap<>();
  private long nextId = 1;
  private boolean stopped;

  /**
   * @param requestIdOf the id of the request an answer names
   */
  Requests(Env env, int pendingMax, ToLongFunction<M> requestIdOf) {
    this.env = env;
    this.pendingMax = pendingMax;
    this.requestIdOf = requestIdOf;
  }

  /**
   * Sends {@code make(id)} to {@code to}; {@code done} gets the answer of type {@code answer}, or
   * empty after {@code timeoutMs}.
   */
  <T extends M> void send(
      NodeAddress to,
      LongFunction<? extends M> make,
      Class<T> answer,
      long timeoutMs,
      Consumer<Optional<T>> done) {
    long id = register(answer, timeoutMs, done);
    if (id > 0) {
      env.send(to, make.apply(id));
    }
  }

  /**
   * Registers a request waiting for an answer of type {@code answer}: its id (above 0), or 0 when
   * it may not wait (stopped, or too many waiting), and then {@code done} hears "no answer".
   */
  private <T extends M> long register(Class<T> answer, long timeoutMs, Consumer<Optional<T>> done) {
    if (stopped || pending.size() >= pendingMax) {
      env.schedule(0, () -> done.accept(Optional.empty()));
      return 0;
    }
    long id = nextId++;
    Pending<T> p = new Pending<>(answer, done);
    pending.put(id, p);
    p.timer =
        env.schedule(
            timeoutMs,
            () -> {
              if (pending.remove(id) != null) {
                p.done.accept(Optional.empty());
              }
            });
    return id;
  }

  /** Delivers an answer: to the request it names, when that still waits for this type. */
  void answered(M m) {
    long id = requestIdOf.applyAsLong(m);
    Pending<?> p = pending.get(id);
    if (p != null && p.answer.isInstance(m)) {
      pending.remove(id);
      p.timer.cancel();
      p.complete(m);
    }
  }

  /** Every request still waiting hears "no answer"; later ones hear it at once. */
  void stop() {
    stopped = true;
    List<Pending<?>> waiting = List.copyOf(pending.values());
    pending.clear();
    for (Pending<?> p : waiting) {
      p.timer.cancel();
      p.done.accept(Optional.empty());
    }
  }

  private static final class Pending<T> {
    final Class<T> answer;
    final Consumer<Optional<T>> done;
    Cancellable timer;

    Pending(Class<T> answer, Consumer<Optional<T>> done) {
      this.answer = answer;
      this.done = done;
    }

    void complete(Object m) {
      done.accept(Optional.of(answer.cast(m)));
    }
  }
}
