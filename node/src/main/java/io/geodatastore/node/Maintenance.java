package io.geodatastore.node;

import io.geodatastore.storage.GcResult;
import io.geodatastore.storage.rocksdb.RocksStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's periodic housekeeping on a thread of its own (never the cluster's logical thread nor
 * an event loop): garbage collection under the horizon causal stability raised in the store, and
 * expiry of the conflict log. A run that fails is logged and the next one runs as planned.
 */
final class Maintenance implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Maintenance.class);

  private final RocksStore store;
  private final PeriodicTask timer;

  Maintenance(RocksStore store, long intervalMs) {
    this.store = store;
    this.timer = new PeriodicTask("geods-maintenance", Thread.NORM_PRIORITY, intervalMs, this::run);
  }

  /** One round, also callable directly (tests). */
  GcResult run() {
    try {
      GcResult r = store.gc(store.horizon());
      long expired = store.expireConflicts();
      if (expired > 0) {
        log.info("conflict log: {} entries past its bounds deleted", expired);
      }
      return r;
    } catch (RuntimeException e) {
      log.warn("store maintenance failed (retried at the next interval): {}", e.toString());
      return new GcResult(0, 0, 0);
    }
  }

  /** Stops the timer and waits briefly for a round in progress (the store stops one anyway). */
  @Override
  public void close() {
    timer.close();
  }
}
