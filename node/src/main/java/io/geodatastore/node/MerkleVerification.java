package io.geodatastore.node;

import io.geodatastore.storage.rocksdb.RocksStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-checks the anti-entropy tree against the store every interval ({@link
 * RocksStore#verifyMerkle}: recomputes every leaf from the key index under a snapshot and fixes
 * those that are wrong). A wrong leaf hides a difference from anti-entropy, or makes it exchange a
 * range that is equal, so the check runs now and then even though writes keep the tree exact: it
 * catches what a bug or a damaged disk left behind. It reads the whole index (about a second per
 * million keys), so it has a thread of its own at the lowest priority, never the maintenance thread
 * whose collections it would delay. Fixed leaves are counted by the store ({@code
 * geodatastore_merkle_leaves_fixed_total}).
 */
final class MerkleVerification implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(MerkleVerification.class);

  private final RocksStore store;
  private final String nodeId;
  private final PeriodicTask timer;

  /** Verifies every {@code intervalMs}, the first time one interval after start. */
  MerkleVerification(RocksStore store, String nodeId, long intervalMs) {
    this.store = store;
    this.nodeId = nodeId;
    this.timer =
        new PeriodicTask("geods-merkle-verify", Thread.MIN_PRIORITY, intervalMs, this::run);
  }

  /** One verification, also callable directly (tests); returns the leaves it fixed. */
  int run() {
    long t0 = System.nanoTime();
    try {
      int fixed = store.verifyMerkle();
      if (fixed > 0) {
        log.warn(
            "node {}: anti-entropy tree verified in {} ms, {} wrong leaves fixed",
            nodeId,
            (System.nanoTime() - t0) / 1_000_000,
            fixed);
      }
      return fixed;
    } catch (RuntimeException e) {
      // The store closing under it, or a read error: the next interval tries again.
      log.warn("node {}: anti-entropy tree verification failed: {}", nodeId, e.toString());
      return 0;
    }
  }

  /** Stops the timer; a verification in progress stops at its next leaf when the store closes. */
  @Override
  public void close() {
    timer.close();
  }
}
