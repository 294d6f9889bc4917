package io.geodatastore.storage.rocksdb;

import static io.geodatastore.storage.rocksdb.Stores.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.KeyHash;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.LogEntry;
import io.geodatastore.storage.Merkle;
import io.geodatastore.storage.MerklePage;
import io.geodatastore.storage.RandomRecords;
import io.geodatastore.storage.ReadResult;
import io.geodatastore.storage.WriteResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyHandle;

/**
 * The RocksDB store's incremental anti-entropy tree: after any mix of writes, deletes, merges,
 * repairs and garbage collection, from several threads, the tree in memory, on disk and in its key
 * index is exactly the tree recomputed from the records; it does not depend on the order records
 * arrived in; a missing or damaged tree is rebuilt or fixed while writers keep writing.
 *
 * <p>Each test draws from a seed printed at its start and named in every failure; {@code
 * -Dmerkle.seed=N} replays one (thread interleavings aside).
 */
class MerkleTreeTest {

  private static final int KEYS_PER_FAMILY = 1_000;
  private static final int THREADS = 4;
  private static final int OPS_PER_THREAD = 2_000;

  @TempDir Path dir;

  // ---- exactness under concurrent change ----

  @Test
  void afterConcurrentWritesDeletesMergesRepairsAndGcTheTreeInMemoryOnDiskAndInItsIndexIsExact()
      throws Exception {
    long seed = seed("exactness");
    String at = "seed " + seed;
    Random rnd = new Random(seed);
    List<KeyRef> keys = universe(KEYS_PER_FAMILY);
    List<LogEntry> entries = anotherReplicasLog(keys, rnd);
    Map<Family, List<KeyRecord>> pool = recordPool(rnd);
    Path db = dir.resolve("a");
    try (RocksStore a = RocksStore.open(Stores.fast(db, "node-a").withShards(4));
        ExecutorService threads = Executors.newFixedThreadPool(THREADS)) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        Random r = new Random(seed * 31 + t);
        boolean collector = t == 0;
        done.add(
            threads.submit(
                () -> {
                  for (int i = 0; i < OPS_PER_THREAD; i++) {
                    randomChange(a, keys, entries, pool, r, collector);
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(Stores.WAIT_SECONDS * 4, TimeUnit.SECONDS);
      }
      // Drop every tombstone: GC's deletes must take their keys out of the tree too.
      a.gc(horizonOfEverything(a, entries));
      Trees.assertExact(a, keys, at);
      assertThat(Trees.served(a, 1).keys()).as("%s: one key per page", at).isNotEmpty();
      assertThat(a.verifyMerkle()).as("%s: leaves verify found wrong", at).isZero();
      assertThat(a.merkleRebuilds()).as("%s: rebuilds", at).isZero();
    }
    try (RocksStore a = RocksStore.open(Stores.fast(db, "node-a").withShards(3))) {
      assertThat(a.merkleRebuild()).isDone();
      Trees.assertExact(a, keys, at + ", reopened");
      assertThat(a.verifyMerkle()).as("%s: leaves verify found wrong after reopen", at).isZero();
      assertThat(a.merkleRebuilds()).as("%s: rebuilds after reopen", at).isZero();
    }
  }

  @Test
  void hotKeysChangedManyTimesInEachGroupCommitLeaveTheTreeExact() throws Exception {
    long seed = seed("hot keys");
    String at = "seed " + seed;
    Map<Family, List<KeyRecord>> pool = recordPool(new Random(seed));
    List<KeyRef> hot = universe(1);
    try (RocksStore s = RocksStore.open(Stores.fast(dir, "node-a").withShards(2));
        ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor()) {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < 300; w++) {
        Random r = new Random(seed * 31 + w);
        done.add(
            writers.submit(
                () -> {
                  assertThat(start.await(Stores.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
                  for (int i = 0; i < 10; i++) {
                    randomChange(s, hot, List.of(), pool, r, false);
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(Stores.WAIT_SECONDS * 4, TimeUnit.SECONDS);
      }
      Trees.assertExact(s, hot, at);
      assertThat(s.verifyMerkle()).as(at).isZero();
    }
  }

  @Test
  void storesThatReceivedTheSameRecordsInDifferentOrdersHaveEqualBranchesLeavesAndKeyPages()
      throws Exception {
    long seed = seed("order");
    String at = "seed " + seed;
    Random rnd = new Random(seed);
    RandomRecords gen = new RandomRecords(rnd);
    List<KeyRef> keys = universe(300);
    List<Map.Entry<KeyRef, KeyRecord>> deliveries = new ArrayList<>();
    for (KeyRef k : keys) {
      for (int n = 1 + rnd.nextInt(3); n > 0; n--) {
        deliveries.add(Map.entry(k, gen.record(k.family())));
      }
    }
    List<Map.Entry<KeyRef, KeyRecord>> shuffled = new ArrayList<>(deliveries);
    Collections.shuffle(shuffled, rnd);
    shuffled.addAll(deliveries.subList(0, deliveries.size() / 3)); // duplicates change nothing
    try (RocksStore a = RocksStore.open(Stores.fast(dir.resolve("a"), "node-a").withShards(2));
        RocksStore b = RocksStore.open(Stores.fast(dir.resolve("b"), "node-b").withShards(3))) {
      for (Map.Entry<KeyRef, KeyRecord> e : deliveries) {
        await(a.mergeRecord(e.getKey(), e.getValue()));
      }
      for (Map.Entry<KeyRef, KeyRecord> e : shuffled) {
        await(b.mergeRecord(e.getKey(), e.getValue()));
      }
      Trees.Tree ta = Trees.served(a, 1_000);
      Trees.assertEqual(Trees.served(b, 17), ta, at + ", b vs a");
      assertThat(a.merkleBranches()).isEqualTo(b.merkleBranches());
      assertThat(Merkle.root(a.merkleBranches())).isNotZero();
      Trees.assertExact(a, keys, at + ", a");
      Trees.assertExact(b, keys, at + ", b");
    }
  }

  @Test
  void aPageHoldsWholeLeavesAndNamesWhereTheNextOneStarts() throws Exception {
    List<KeyRef> keys = universe(400);
    try (RocksStore s = RocksStore.open(Stores.fast(dir, "node-a"))) {
      for (KeyRef k : keys) {
        await(s.write(k, someOp(k.family())));
      }
      List<KeyHash> all = s.merkleKeys(0, Merkle.LEAVES, Integer.MAX_VALUE).keys();
      assertThat(all).hasSize(keys.size()).isSortedAccordingTo(Trees.PAGE_ORDER);
      int firstLeaf = all.get(0).leaf();
      int secondLeaf =
          all.stream().mapToInt(KeyHash::leaf).filter(l -> l != firstLeaf).min().orElseThrow();
      MerklePage one = s.merkleKeys(0, Merkle.LEAVES, 1);
      assertThat(one.keys()).allMatch(k -> k.leaf() == firstLeaf);
      assertThat(one.nextLeaf()).isEqualTo(secondLeaf);
      MerklePage range = s.merkleKeys(firstLeaf, firstLeaf + 1, 1_000);
      assertThat(range.nextLeaf()).isEqualTo(firstLeaf + 1);
      assertThat(range.keys()).isEqualTo(one.keys());
      MerklePage empty = s.merkleKeys(5, 5, 10);
      assertThat(empty.keys()).isEmpty();
      assertThat(empty.nextLeaf()).isEqualTo(5);
      for (KeyHash k : all) {
        assertThat(k.hash()).isEqualTo(Merkle.keyHash(k.key(), s.readRecord(k.key())));
      }
      assertThatThrownBy(() -> s.merkleKeys(0, Merkle.LEAVES + 1, 1))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> s.merkleKeys(0, 1, 0)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> s.merkleLeaves(Merkle.BRANCHES))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void aFreshStoreStartsWithAnEmptyCompleteTree() {
    try (RocksStore s = RocksStore.open(Stores.fast(dir, "node-a"))) {
      assertThat(s.merkleRebuild()).isDone();
      assertThat(s.merkleBranches()).hasSize(Merkle.BRANCHES).containsOnly(0L);
      assertThat(s.merkleLeaves(7)).hasSize(Merkle.LEAVES_PER_BRANCH).containsOnly(0L);
      assertThat(s.merkleKeys(0, Merkle.LEAVES, 10))
          .isEqualTo(new MerklePage(List.of(), Merkle.LEAVES));
      assertThat(s.verifyMerkle()).isZero();
    }
    try (RocksStore s = RocksStore.open(Stores.fast(dir, "node-a"))) {
      assertThat(s.merkleRebuilds()).as("the marker was written at creation").isZero();
    }
  }

  // ---- rebuild and verification ----

  @Test
  void aMissingTreeIsRebuiltWhileWritersKeepWritingAndEndsExact() throws Exception {
    long seed = seed("rebuild missing");
    Path db = dir.resolve("db");
    List<KeyRef> keys = universe(KEYS_PER_FAMILY);
    Random rnd = new Random(seed);
    try (RocksStore s = RocksStore.open(Stores.fast(db, "node-a"))) {
      fill(s, keys, rnd);
      s.dropMerkleForTest();
    }
    rebuildWhileWriting(db, keys, seed, rnd);
  }

  @Test
  void aTreeLeftWrongBehindTheStoresBackIsRebuiltWhileWritersKeepWritingAndEndsExact()
      throws Exception {
    long seed = seed("rebuild wrong");
    Path db = dir.resolve("db");
    List<KeyRef> keys = universe(KEYS_PER_FAMILY);
    Random rnd = new Random(seed);
    try (RocksStore s = RocksStore.open(Stores.fast(db, "node-a"))) {
      fill(s, keys, rnd);
    }
    // Records removed and index entries dropped, changed or invented, as by code that did not
    // keep the tree, then the marker removed: every kind of wrong entry a rebuild must correct.
    RawDb.change(
        db,
        (raw, cfs) -> {
          ColumnFamilyHandle index = cfs.get(RocksStore.CF_MERKLE_KEYS);
          for (int i = 0; i < 100; i++) {
            KeyRef k = keys.get(rnd.nextInt(keys.size()));
            byte[] entry = MerkleTree.indexKey(Merkle.leaf(k), k);
            switch (i % 4) {
              case 0 -> {
                for (var t : RandomRecords.typesOf(k.family())) {
                  raw.delete(cfs.get(t.apiName()), k.nameBytes());
                }
              }
              case 1 -> raw.delete(index, entry);
              case 2 -> raw.put(index, entry, MerkleTree.u64(rnd.nextLong()));
              default -> raw.put(index, entry, new byte[] {1, 2, 3});
            }
          }
          raw.put(index, new byte[] {0, 9, 7, 'x'}, MerkleTree.u64(5)); // no key's entry
          raw.delete(cfs.get(RocksStore.CF_META), "merkle_format".getBytes(StandardCharsets.UTF_8));
        });
    rebuildWhileWriting(db, keys, seed, rnd);
  }

  /** Writes, deletes and drops tombstones, so the store has live keys, tombstones and gone keys. */
  private static void fill(RocksStore s, List<KeyRef> keys, Random rnd) {
    for (KeyRef k : keys) {
      if (rnd.nextInt(4) != 0) {
        await(s.write(k, randomOp(k.family(), rnd)));
      }
    }
    for (int i = 0; i < 50; i++) {
      await(s.delete(keys.get(rnd.nextInt(keys.size()))));
    }
    s.gc(VersionVector.of(s.replicaId(), s.lastSequence() - 20));
  }

  /** Opens {@code db}, whose tree needs a rebuild, and checks the rebuild under writers. */
  private void rebuildWhileWriting(Path db, List<KeyRef> keys, long seed, Random rnd)
      throws Exception {
    String at = "seed " + seed;
    Map<Family, List<KeyRecord>> pool = recordPool(rnd);

    // Writers run through the whole rebuild; the rebuild waits at its first phase boundary until
    // they have written, and writes itself at each boundary (after the snapshot too).
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch writersRunning = new CountDownLatch(THREADS);
    List<String> phases = Collections.synchronizedList(new ArrayList<>());
    RocksStore[] opened = new RocksStore[1];
    Random hookRandom = new Random(seed * 17);
    Consumer<String> hook =
        phase -> {
          phases.add(phase);
          try {
            if (phase.equals("scanned")
                && !writersRunning.await(Stores.WAIT_SECONDS, TimeUnit.SECONDS)) {
              throw new AssertionError(at + ": writers did not start");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
          }
          for (int i = 0; i < 100; i++) {
            randomChange(opened[0], keys, List.of(), pool, hookRandom, false);
          }
        };
    try (RocksStore s = RocksStore.open(Stores.fast(db, "node-a"), hook);
        ExecutorService threads = Executors.newFixedThreadPool(THREADS)) {
      opened[0] = s;
      List<Future<?>> writers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        Random r = new Random(seed * 31 + t);
        writers.add(
            threads.submit(
                () -> {
                  for (int i = 0; !stop.get() || i < 200; i++) {
                    randomChange(s, keys, List.of(), pool, r, false);
                    if (i == 199) {
                      writersRunning.countDown();
                    }
                  }
                  return null;
                }));
      }
      s.merkleRebuild().get(Stores.WAIT_SECONDS * 4, TimeUnit.SECONDS);
      stop.set(true);
      for (Future<?> f : writers) {
        f.get(Stores.WAIT_SECONDS, TimeUnit.SECONDS);
      }
      assertThat(phases).as(at).containsExactly("scanned", "stale", "snapshot");
      assertThat(s.merkleRebuilds()).isEqualTo(1);
      Trees.assertExact(s, keys, at + ", after the rebuild");
      assertThat(s.verifyMerkle()).as("%s: verify after the rebuild", at).isZero();
    }
    try (RocksStore s = RocksStore.open(Stores.fast(db, "node-a"))) {
      assertThat(s.merkleRebuild()).isDone();
      assertThat(s.merkleRebuilds()).as("%s: the marker was written", at).isZero();
      Trees.assertExact(s, keys, at + ", reopened");
    }
  }

  @Test
  void aRebuildCutShortByCloseRerunsAtTheNextOpen() throws Exception {
    List<KeyRef> keys = universe(200);
    Path db = dir.resolve("db");
    try (RocksStore s = RocksStore.open(Stores.fast(db, "node-a"))) {
      for (KeyRef k : keys) {
        await(s.write(k, someOp(k.family())));
      }
      s.dropMerkleForTest();
    }
    CountDownLatch atScanned = new CountDownLatch(1);
    CountDownLatch closing = new CountDownLatch(1);
    Consumer<String> hook =
        phase -> {
          if (phase.equals("scanned")) {
            atScanned.countDown();
            try {
              // The store closes while the rebuild is between phases.
              assertThat(closing.await(Stores.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
    RocksStore s = RocksStore.open(Stores.fast(db, "node-a"), hook);
    assertThat(atScanned.await(Stores.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    Thread closer = Thread.ofPlatform().start(s::close);
    // close() marks the store closed, then waits for the rebuild, which is parked in the hook.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Stores.WAIT_SECONDS);
    while (!s.isClosed()) {
      assertThat(System.nanoTime()).as("close() begins").isLessThan(deadline);
      Thread.onSpinWait();
    }
    closing.countDown();
    closer.join(TimeUnit.SECONDS.toMillis(Stores.WAIT_SECONDS));
    assertThat(closer.isAlive()).isFalse();
    assertThat(s.merkleRebuild()).isCompletedExceptionally();
    try (RocksStore again = RocksStore.open(Stores.fast(db, "node-a"))) {
      again.merkleRebuild().get(Stores.WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(again.merkleRebuilds()).isEqualTo(1);
      Trees.assertExact(again, keys, "after the rerun");
    }
  }

  @Test
  void aDamagedLeafIsFoundAndFixedByVerifyWhichCountsItAndThenFindsNothing() throws Exception {
    long seed = seed("verify");
    String at = "seed " + seed;
    Random rnd = new Random(seed);
    List<KeyRef> keys = universe(300);
    Map<Family, List<KeyRecord>> pool = recordPool(rnd);
    AtomicBoolean writeAtSnapshot = new AtomicBoolean();
    RocksStore[] opened = new RocksStore[1];
    Random hookRandom = new Random(seed * 17);
    Consumer<String> hook =
        phase -> {
          // Writes between verify's snapshot and its fix: their operands must stay on top.
          if (phase.equals("snapshot") && writeAtSnapshot.get()) {
            for (int i = 0; i < 200; i++) {
              randomChange(opened[0], keys, List.of(), pool, hookRandom, false);
            }
          }
        };
    Path db = dir.resolve("db");
    try (RocksStore s = RocksStore.open(Stores.fast(db, "node-a"), hook)) {
      opened[0] = s;
      for (int i = 0; i < 1_000; i++) {
        randomChange(s, keys, List.of(), pool, rnd, false);
      }
      KeyRef some = keys.get(rnd.nextInt(keys.size()));
      int damaged = Merkle.leaf(some);
      int empty = damaged == 0 ? 1 : damaged - 1; // most likely empty; damaged either way
      s.damageMerkleLeafForTest(damaged, 1 + rnd.nextInt(1_000_000));
      s.damageMerkleLeafForTest(empty, -1);
      writeAtSnapshot.set(true);
      assertThat(s.verifyMerkle()).as("%s: leaves fixed", at).isEqualTo(2);
      writeAtSnapshot.set(false);
      assertThat(s.verifyMerkle()).as("%s: leaves fixed by a second verify", at).isZero();
      assertThat(s.merkleLeavesFixed()).isEqualTo(2);
      Trees.assertExact(s, keys, at);
    }
    try (RocksStore s = RocksStore.open(Stores.fast(db, "node-a"))) {
      Trees.assertExact(s, keys, at + ", reopened");
      assertThat(s.verifyMerkle()).isZero();
    }
  }

  @Test
  void aMalformedLeafOnDiskIsFoundAtOpenAndTheTreeRebuilt() throws Exception {
    List<KeyRef> keys = universe(100);
    Path db = dir.resolve("db");
    try (RocksStore s = RocksStore.open(Stores.fast(db, "node-a"))) {
      for (KeyRef k : keys) {
        await(s.write(k, someOp(k.family())));
      }
    }
    int leaf = Merkle.leaf(keys.get(0));
    RawDb.change(
        db, (raw, cfs) -> raw.put(cfs.get("merkle"), MerkleTree.leafKey(leaf), new byte[3]));
    try (RocksStore s = RocksStore.open(Stores.fast(db, "node-a"))) {
      s.merkleRebuild().get(Stores.WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(s.merkleRebuilds()).isEqualTo(1);
      Trees.assertExact(s, keys, "after the rebuild");
    }
  }

  // ---- quarantine and checkpoints ----

  @Test
  void aQuarantinedKeyKeepsItsTreeHashAndItsRepairMovesTheLeafByExactlyNewMinusOld()
      throws Exception {
    List<KeyRef> keys = universe(20);
    KeyRef victim = KeyRef.of(Family.COUNTERS, "k3");
    assertThat(keys).contains(victim);
    Path db = dir.resolve("db");
    KeyRecord older;
    long treeHash;
    try (RocksStore s = RocksStore.open(Stores.fast(db, "node-a"))) {
      for (KeyRef k : keys) {
        await(s.write(k, someOp(k.family())));
      }
      older = s.readRecord(victim);
      await(s.write(victim, new Operation.Increment(41)));
      treeHash = Merkle.keyHash(victim, s.readRecord(victim));
    }
    RawDb.change(
        db,
        (raw, cfs) -> {
          byte[] name = victim.name().getBytes(StandardCharsets.UTF_8);
          byte[] v = raw.get(cfs.get("pn_counter"), name);
          v[v.length - 1] ^= 0x5A;
          raw.put(cfs.get("pn_counter"), name, v);
        });
    try (RocksStore s = RocksStore.open(Stores.fast(db, "node-a"))) {
      assertThat(s.read(victim)).isInstanceOf(ReadResult.Quarantined.class);
      assertThat(s.merkleRebuilds()).isZero();
      List<KeyHash> page = s.merkleKeys(0, Merkle.LEAVES, Integer.MAX_VALUE).keys();
      assertThat(page)
          .as("a quarantined key is listed with the hash its leaf holds")
          .contains(new KeyHash(victim, Merkle.leaf(victim), treeHash));
      assertThat(s.verifyMerkle()).isZero();
      assertThat(await(s.write(victim, new Operation.Increment(1))))
          .isInstanceOf(WriteResult.Quarantined.class);

      // Repaired with an older state than it had: the leaf moves by hash(older) - treeHash.
      assertThat(await(s.mergeRecord(victim, older)).repaired()).isTrue();
      assertThat(s.quarantined()).isEmpty();
      Trees.assertExact(s, keys, "after the repair");
      assertThat(s.verifyMerkle()).isZero();
      await(s.write(victim, new Operation.Increment(1)));
      Trees.assertExact(s, keys, "after a write to the repaired key");
    }
    try (RocksStore s = RocksStore.open(Stores.fast(db, "node-a"))) {
      Trees.assertExact(s, keys, "reopened");
      assertThat(s.verifyMerkle()).isZero();
    }
  }

  @Test
  void aReplicaRestoredFromACheckpointHasTheSourcesTreeWithoutARebuild() throws Exception {
    List<KeyRef> keys = universe(200);
    Trees.Tree source;
    try (RocksStore s = RocksStore.open(Stores.fast(dir.resolve("source"), "node-a"))) {
      for (KeyRef k : keys) {
        await(s.write(k, someOp(k.family())));
      }
      source = Trees.served(s, 100);
      s.checkpoint(dir.resolve("cp"));
    }
    try (RocksStore r =
        RocksStore.openFromCheckpoint(
            dir.resolve("cp"), Stores.fast(dir.resolve("restored"), "node-b"))) {
      assertThat(r.merkleRebuild()).isDone();
      assertThat(r.merkleRebuilds()).isZero();
      Trees.assertEqual(Trees.served(r, 100), source, "restored vs source");
      Trees.assertExact(r, keys, "restored");
    }
  }

  // ---- helpers ----

  private static long seed(String test) {
    long seed = Long.getLong("merkle.seed", new Random().nextLong());
    System.out.println("MerkleTreeTest " + test + ": seed " + seed);
    return seed;
  }

  /** {@code perFamily} keys in each family, some sharing names across families. */
  private static List<KeyRef> universe(int perFamily) {
    List<KeyRef> out = new ArrayList<>();
    for (Family f : Family.values()) {
      for (int i = 0; i < perFamily; i++) {
        out.add(KeyRef.of(f, "k" + i));
      }
    }
    return out;
  }

  /** Entries of another replica's log over {@code keys}, to merge as replication would. */
  private List<LogEntry> anotherReplicasLog(List<KeyRef> keys, Random rnd) {
    try (RocksStore b = RocksStore.open(Stores.fast(dir.resolve("other"), "node-b"))) {
      for (int i = 0; i < 600; i++) {
        KeyRef k = keys.get(rnd.nextInt(keys.size()));
        await(rnd.nextInt(8) == 0 ? b.delete(k) : b.write(k, randomOp(k.family(), rnd)));
      }
      return b.readLog(b.replicaId(), 1, 10_000, Long.MAX_VALUE);
    }
  }

  /** Records for full-state merges, made on one thread (a generator's histories are not shared). */
  private static Map<Family, List<KeyRecord>> recordPool(Random rnd) {
    RandomRecords gen = new RandomRecords(rnd);
    Map<Family, List<KeyRecord>> pool = new EnumMap<>(Family.class);
    for (Family f : Family.values()) {
      List<KeyRecord> l = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        l.add(gen.record(f));
      }
      pool.put(f, l);
    }
    return pool;
  }

  /**
   * One random change: a write, a delete, a merged log entry, a merged full state, or (by the one
   * {@code collector} thread) a garbage collection under a random horizon.
   */
  private static void randomChange(
      RocksStore s,
      List<KeyRef> keys,
      List<LogEntry> entries,
      Map<Family, List<KeyRecord>> pool,
      Random r,
      boolean collector) {
    KeyRef k = keys.get(r.nextInt(keys.size()));
    int dice = r.nextInt(100);
    if (dice < 45) {
      await(s.write(k, randomOp(k.family(), r)));
    } else if (dice < 60) {
      await(s.delete(k));
    } else if (dice < 75 && !entries.isEmpty()) {
      await(s.merge(entries.get(r.nextInt(entries.size()))));
    } else if (dice < 98 || !collector) {
      List<KeyRecord> l = pool.get(k.family());
      await(s.mergeRecord(k, l.get(r.nextInt(l.size()))));
    } else {
      Map<ReplicaId, Long> h = new HashMap<>();
      h.put(s.replicaId(), (long) r.nextInt((int) Math.max(1, s.lastSequence() + 1)));
      for (ReplicaId id : RandomRecords.REPLICAS) {
        h.put(id, (long) r.nextInt(300));
      }
      s.gc(VersionVector.of(h));
    }
  }

  /** A horizon covering every dot the exactness test can have made. */
  private static VersionVector horizonOfEverything(RocksStore s, List<LogEntry> entries) {
    Map<ReplicaId, Long> h = new HashMap<>();
    h.put(s.replicaId(), s.lastSequence());
    for (ReplicaId id : RandomRecords.REPLICAS) {
      h.put(id, 1_000_000L);
    }
    for (LogEntry e : entries) {
      h.merge(e.id().replica(), e.id().counter(), Math::max);
    }
    return VersionVector.of(h);
  }

  private static Operation randomOp(Family f, Random r) {
    String e = "\"e" + r.nextInt(20) + "\"";
    return switch (f) {
      case COUNTERS ->
          r.nextBoolean()
              ? new Operation.Increment(1 + r.nextInt(5))
              : new Operation.Decrement(1 + r.nextInt(5));
      case SETS ->
          r.nextInt(3) == 0 ? new Operation.Remove(List.of(e)) : new Operation.Add(List.of(e));
      case REGISTERS -> new Operation.Write(e, null);
    };
  }

  private static Operation someOp(Family f) {
    return switch (f) {
      case COUNTERS -> new Operation.Increment(1);
      case SETS -> new Operation.Add(List.of("\"x\""));
      case REGISTERS -> new Operation.Write("\"v\"", null);
    };
  }
}
