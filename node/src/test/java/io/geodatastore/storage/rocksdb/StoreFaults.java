package io.geodatastore.storage.rocksdb;

import org.rocksdb.RocksDBException;

/** Faults a node test injects into its store through the store's package-private test hooks. */
public final class StoreFaults {

  private StoreFaults() {}

  /** Adds {@code delta} to one leaf of the anti-entropy tree, in memory and on disk. */
  public static void damageMerkleLeaf(RocksStore store, int leaf, long delta) {
    try {
      store.damageMerkleLeafForTest(leaf, delta);
    } catch (RocksDBException e) {
      throw new IllegalStateException(e);
    }
  }
}
