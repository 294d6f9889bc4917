package io.geodatastore.cluster;

/** A task scheduled through {@link Env#schedule}, which can be withdrawn before it runs. */
@FunctionalInterface
public interface Cancellable {

  /**
   * Withdraws the task: it will not run if it has not started. Cancelling twice, or cancelling a
   * task that has already run, does nothing.
   */
  void cancel();
}
