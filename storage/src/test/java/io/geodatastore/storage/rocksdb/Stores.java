package io.geodatastore.storage.rocksdb;

import io.geodatastore.storage.Durability;
import io.geodatastore.storage.StoreConfig;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Test helpers: small configs and bounded waits. */
final class Stores {

  private Stores() {}

  static final long WAIT_SECONDS = 30;

  /** Two shards (so cross-shard ordering is exercised), fsync unless told otherwise. */
  static StoreConfig config(Path dir, String node) {
    return StoreConfig.defaults(dir, node).withShards(2);
  }

  static StoreConfig fast(Path dir, String node) {
    return config(dir, node).withDurability(Durability.OS);
  }

  static <T> T await(CompletableFuture<T> f) {
    try {
      return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("a store future failed or timed out", e);
    }
  }
}
