package io.geodatastore.cluster.repair;

import io.geodatastore.cluster.AntiEntropyMessage;
import io.geodatastore.cluster.Cancellable;
import io.geodatastore.cluster.Env;
import io.geodatastore.cluster.NodeAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * This node's outstanding {@link AntiEntropyMessage} requests: each has an id, a deadline after
 * which its caller hears "no answer", and the type of answer it waits for. At most {@code
 * pendingMax} wait at once; more hear "no answer" at once.
 */
final class Requests {

  private final Env env;
  private final int pendingMax;
  private final Map<Long, Pending<?>> pending = new HashMap<>();
  private long nextId = 1;
  private boolean stopped;

  Requests(Env env, int pendingMax) {
    this.env = env;
    this.pendingMax = pendingMax;
  }

  /**
   * Sends {@code make(id)} to {@code to}; {@code done} gets the answer of type {@code answer}, or
   * empty after {@code timeoutMs}.
   */
  <T extends AntiEntropyMessage> void send(
      NodeAddress to,
      LongFunction<AntiEntropyMessage> make,
      Class<T> answer,
      long timeoutMs,
      Consumer<Optional<T>> done) {
    if (stopped || pending.size() >= pendingMax) {
      env.schedule(0, () -> done.accept(Optional.empty()));
      return;
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
    env.send(to, make.apply(id));
  }

  /** Delivers an answer: to the request it names, when that still waits for this type. */
  void answered(AntiEntropyMessage m) {
    Pending<?> p = pending.get(m.requestId());
    if (p != null && p.answer.isInstance(m)) {
      pending.remove(m.requestId());
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

  private static final class Pending<T extends AntiEntropyMessage> {
    final Class<T> answer;
    final Consumer<Optional<T>> done;
    Cancellable timer;

    Pending(Class<T> answer, Consumer<Optional<T>> done) {
      this.answer = answer;
      this.done = done;
    }

    void complete(AntiEntropyMessage m) {
      done.accept(Optional.of(answer.cast(m)));
    }
  }
}
