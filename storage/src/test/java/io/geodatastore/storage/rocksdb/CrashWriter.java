package io.geodatastore.storage.rocksdb;

import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.StoreConfig;
import io.geodatastore.storage.WriteResult;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * A child process for {@link CrashSafetyTest}: opens a store in fsync mode and increments a few
 * keys from several threads until it is killed, printing {@code try key amount} before each write
 * and {@code ack key amount seq} once its future completed, each line flushed. Bounded: it stops by
 * itself after {@code maxWrites} per thread or {@code maxSeconds}.
 *
 * <p>Arguments: data dir, threads, keys, seed, maxWrites, maxSeconds.
 */
public final class CrashWriter {

  private CrashWriter() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int threads = Integer.parseInt(args[1]);
    int keys = Integer.parseInt(args[2]);
    long seed = Long.parseLong(args[3]);
    int maxWrites = Integer.parseInt(args[4]);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[5]));
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    RocksStore store = RocksStore.open(StoreConfig.defaults(dir, "crash-node").withShards(3));
    out.println("ready " + store.replicaId().value());
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Random rnd = new Random(seed * 31 + t);
      Thread w =
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (int i = 0; i < maxWrites && System.nanoTime() < deadline; i++) {
                      String key = "key-" + rnd.nextInt(keys);
                      long amount = 1 + rnd.nextInt(9);
                      out.println("try " + key + " " + amount);
                      WriteResult r =
                          Stores.await(
                              store.write(
                                  KeyRef.of(Family.COUNTERS, key),
                                  new Operation.Increment(amount)));
                      WriteResult.Written w1 = (WriteResult.Written) r;
                      out.println("ack " + key + " " + amount + " " + w1.logId().counter());
                    }
                  });
      workers.add(w);
    }
    for (Thread w : workers) {
      w.join(TimeUnit.SECONDS.toMillis(Long.parseLong(args[5]) + 30));
    }
    store.close();
    out.println("done");
  }
}
