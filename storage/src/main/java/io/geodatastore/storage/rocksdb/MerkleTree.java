package io.geodatastore.storage.rocksdb;

import io.geodatastore.core.crdt.Family;
import io.geodatastore.storage.KeyHash;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.Merkle;
import io.geodatastore.storage.MerklePage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RocksStore}'s anti-entropy tree ({@link Merkle}): the leaves in column family {@code
 * merkle}, the key index in {@code merkle_keys} (byte layouts in {@link RocksStore}'s class
 * comment), and an in-memory copy of the leaves that {@link #branches} and {@link #leaves} read.
 *
 * <p>Every change of a key adds to the write's own batch its index entry (put or delete) and a
 * merge operand {@code newHash - oldHash} on its leaf (coalesced per batch, see {@link
 * BatchChanges}), which RocksDB's {@code UInt64AddOperator} adds to the leaf. So after any crash a
 * leaf is the sum of its index entries, with no read on the write path and no coordination between
 * shards: sums commute, so the order in which shards' batches reach the leaf does not matter.
 *
 * <p>The in-memory copy receives exactly the deltas the column family receives, each once its batch
 * is written ({@link #applied}); it is loaded from the column family at open, before any shard
 * runs. It therefore lags the column family only by batches being written, and equals it whenever
 * no batch is in flight.
 */
final class MerkleTree {

  private static final Logger log = LoggerFactory.getLogger(MerkleTree.class);

  /** Bytes of a leaf key: the leaf index, big-endian, so leaves sort in order. */
  static final int LEAF_KEY_BYTES = 2;

  /** Bytes of an index key before the name: leaf (2, big-endian) and family ordinal (1). */
  static final int INDEX_PREFIX_BYTES = 3;

  /** Index entries read between two looks at whether the store is closing. */
  private static final int CLOSE_CHECK_EVERY = 1 << 14;

  private final RocksDB db;
  private final ColumnFamilyHandle leavesCf;
  private final ColumnFamilyHandle keysCf;
  private final AtomicLongArray memory = new AtomicLongArray(Merkle.LEAVES);
  private final AtomicLong leavesFixed = new AtomicLong();

  MerkleTree(RocksDB db, ColumnFamilyHandle leavesCf, ColumnFamilyHandle keysCf) {
    this.db = db;
    this.leavesCf = leavesCf;
    this.keysCf = keysCf;
  }

  ColumnFamilyHandle keysCf() {
    return keysCf;
  }

  // ---- the write path (shard threads) ----

  /**
   * The leaf deltas of one batch, applied to the in-memory copy once the batch is written. Growable
   * parallel arrays: a batch holds at most a group commit's worth of changes.
   */
  private static final class Deltas {
    private int[] leaves = new int[16];
    private long[] deltas = new long[16];
    private int size;

    void add(int leaf, long delta) {
      if (size == leaves.length) {
        leaves = Arrays.copyOf(leaves, size * 2);
        deltas = Arrays.copyOf(deltas, size * 2);
      }
      leaves[size] = leaf;
      deltas[size] = delta;
      size++;
    }
  }

  /**
   * The tree's part of one shard batch, gathered while the batch is built and added to it once, at
   * its end ({@link #addTo}): a key changed several times in the batch gets one index entry, and a
   * leaf one operand for all its keys' changes, so a hot key's writes in one group commit cost one
   * of each. The batch is atomic, so this is the same as adding each change as it is made.
   */
  static final class BatchChanges {
    /** Per changed key: the term its leaf held before the batch, and the latest. */
    private final Map<KeyRef, long[]> keys = new HashMap<>();

    private final Deltas deltas = new Deltas();

    /** Records that {@code key}'s term goes from {@code oldHash} to {@code newHash} (0: none). */
    void changed(KeyRef key, long oldHash, long newHash) {
      long[] c = keys.get(key);
      if (c == null) {
        keys.put(key, new long[] {oldHash, newHash});
      } else {
        c[1] = newHash;
      }
    }
  }

  /** Adds a batch's gathered changes to it: index entries, then one operand per changed leaf. */
  void addTo(WriteBatch batch, BatchChanges changes) throws RocksDBException {
    Map<Integer, long[]> leafDeltas = new HashMap<>();
    for (Map.Entry<KeyRef, long[]> e : changes.keys.entrySet()) {
      long oldHash = e.getValue()[0];
      long newHash = e.getValue()[1];
      if (oldHash == newHash) {
        continue;
      }
      int leaf = Merkle.leaf(e.getKey());
      byte[] indexKey = indexKey(leaf, e.getKey());
      if (newHash == 0) {
        batch.delete(keysCf, indexKey);
      } else {
        batch.put(keysCf, indexKey, u64(newHash));
      }
      leafDeltas.computeIfAbsent(leaf, l -> new long[1])[0] += newHash - oldHash;
    }
    for (Map.Entry<Integer, long[]> e : leafDeltas.entrySet()) {
      long delta = e.getValue()[0];
      if (delta != 0) {
        batch.merge(leavesCf, leafKey(e.getKey()), u64(delta));
        changes.deltas.add(e.getKey(), delta);
      }
    }
  }

  /** Adds a written batch's leaf deltas to the in-memory copy (additions commute across shards). */
  void applied(BatchChanges changes) {
    applied(changes.deltas);
  }

  private void applied(Deltas d) {
    for (int i = 0; i < d.size; i++) {
      memory.addAndGet(d.leaves[i], d.deltas[i]);
    }
  }

  /** The hash the index holds for {@code key}, 0 when none (or when the entry is unreadable). */
  long indexed(KeyRef key) {
    byte[] v = rawIndexed(key);
    return v != null && v.length == 8 ? u64(v, 0) : 0;
  }

  /** Whether the index holds exactly {@code hash} for {@code key} (0: holds nothing for it). */
  boolean indexHolds(KeyRef key, long hash) {
    byte[] v = rawIndexed(key);
    return hash == 0 ? v == null : v != null && v.length == 8 && u64(v, 0) == hash;
  }

  /** Makes the index hold {@code hash} for {@code key} (0: nothing), leaving the leaf alone. */
  void putIndex(WriteBatch batch, KeyRef key, long hash) throws RocksDBException {
    byte[] indexKey = indexKey(Merkle.leaf(key), key);
    if (hash == 0) {
      batch.delete(keysCf, indexKey);
    } else {
      batch.put(keysCf, indexKey, u64(hash));
    }
  }

  private byte[] rawIndexed(KeyRef key) {
    try {
      return db.get(keysCf, indexKey(Merkle.leaf(key), key));
    } catch (RocksDBException e) {
      throw new StorageException("read of the tree's entry of " + key + " failed", e);
    }
  }

  // ---- reads ----

  long[] branches() {
    long[] out = new long[Merkle.BRANCHES];
    for (int i = 0; i < Merkle.LEAVES; i++) {
      out[Merkle.branchOf(i)] += memory.get(i);
    }
    return out;
  }

  long[] leaves(int branch) {
    if (branch < 0 || branch >= Merkle.BRANCHES) {
      throw new IllegalArgumentException(
          "a branch is 0 to " + (Merkle.BRANCHES - 1) + ", got " + branch);
    }
    long[] out = new long[Merkle.LEAVES_PER_BRANCH];
    int first = branch * Merkle.LEAVES_PER_BRANCH;
    for (int i = 0; i < out.length; i++) {
      out[i] = memory.get(first + i);
    }
    return out;
  }

  /** Every leaf of the in-memory copy (tests compare it with the column family). */
  long[] memoryLeaves() {
    long[] out = new long[Merkle.LEAVES];
    for (int i = 0; i < out.length; i++) {
      out[i] = memory.get(i);
    }
    return out;
  }

  MerklePage keys(int fromLeaf, int toLeaf, int maxKeys) {
    if (fromLeaf < 0 || toLeaf > Merkle.LEAVES || fromLeaf > toLeaf || maxKeys < 1) {
      throw new IllegalArgumentException(
          "need 0 <= fromLeaf <= toLeaf <= "
              + Merkle.LEAVES
              + " and maxKeys >= 1, got "
              + fromLeaf
              + ", "
              + toLeaf
              + ", "
              + maxKeys);
    }
    List<KeyHash> out = new ArrayList<>();
    int lastLeaf = -1;
    int unreadable = 0;
    try (RocksIterator it = db.newIterator(keysCf)) {
      for (it.seek(leafKey(fromLeaf)); it.isValid(); it.next()) {
        byte[] k = it.key();
        int leaf = leafOf(k);
        if (leaf >= toLeaf) {
          break;
        }
        if (leaf != lastLeaf && out.size() >= maxKeys) {
          // Every leaf before this one is covered (those not seen hold no key).
          return page(out, leaf, unreadable);
        }
        lastLeaf = leaf;
        KeyRef key = keyOf(k);
        byte[] v = it.value();
        if (key == null || v.length != 8) {
          unreadable++;
          continue;
        }
        out.add(new KeyHash(key, leaf, u64(v, 0)));
      }
    }
    return page(out, toLeaf, unreadable);
  }

  private static MerklePage page(List<KeyHash> keys, int nextLeaf, int unreadable) {
    if (unreadable > 0) {
      // Left out of the page; verifyMerkle finds them too and starts a rebuild, which drops them.
      log.warn("skipped {} unreadable entries of the tree's key index in a page", unreadable);
    }
    return new MerklePage(keys, nextLeaf);
  }

  // ---- open, verify, repair ----

  /**
   * Loads the in-memory copy from the column family; false when a leaf's key or value is malformed
   * (such a value counts as 0, as the add operator counts it, so memory and disk still agree).
   */
  boolean load() {
    boolean wellFormed = true;
    try (RocksIterator it = db.newIterator(leavesCf)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] k = it.key();
        byte[] v = it.value();
        if (k.length != LEAF_KEY_BYTES || v.length != 8) {
          wellFormed = false;
          continue;
        }
        memory.set(leafOf(k), u64(v, 0));
      }
    }
    return wellFormed;
  }

  /** Whether both column families are empty (a fresh store's tree). */
  boolean isEmpty() {
    for (ColumnFamilyHandle cf : List.of(leavesCf, keysCf)) {
      try (RocksIterator it = db.newIterator(cf)) {
        it.seekToFirst();
        if (it.isValid()) {
          return false;
        }
      }
    }
    return true;
  }

  /** The outcome of {@link #fixLeaves}: leaves corrected, and index entries it could not read. */
  record Fixed(int leaves, long unreadableEntries) {}

  /**
   * Makes every leaf the sum of its index entries while writers keep writing. Under one snapshot it
   * sums each leaf's index entries and reads the leaf, then writes a merge operand {@code computed
   * - stored} for each leaf that differs. Writes after the snapshot have their own operands in the
   * leaf and their index changes after it, so the leaf ends at exactly the sum of its index entries
   * (provided every write's {@code oldHash} is the entry it replaces, which holds once the index is
   * right). The in-memory copy gets the same operands, so it too stays equal to the column family.
   *
   * <p>The caller serialises calls: two concurrent fixes would each add the same correction.
   *
   * @param closing true once the store is closing: the fix then stops early without writing
   * @param hook told {@code "snapshot"} once the snapshot is taken (tests write there)
   */
  Fixed fixLeaves(BooleanSupplier closing, Consumer<String> hook) throws RocksDBException {
    long[] computed = new long[Merkle.LEAVES];
    long[] stored = new long[Merkle.LEAVES];
    long unreadable = 0;
    Snapshot snapshot = db.getSnapshot();
    // A walk of the whole index every few hours: its blocks must not evict the working set.
    try (ReadOptions at = new ReadOptions().setSnapshot(snapshot).setFillCache(false)) {
      hook.accept("snapshot");
      long n = 0;
      try (RocksIterator it = db.newIterator(keysCf, at)) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          if (++n % CLOSE_CHECK_EVERY == 0 && closing.getAsBoolean()) {
            return new Fixed(0, unreadable);
          }
          byte[] k = it.key();
          byte[] v = it.value();
          if (v.length != 8 || keyOf(k) == null) {
            // No write ever changes such an entry: it is left out, and a rebuild removes it.
            unreadable++;
            continue;
          }
          computed[leafOf(k)] += u64(v, 0);
        }
      }
      try (RocksIterator it = db.newIterator(leavesCf, at)) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          byte[] k = it.key();
          byte[] v = it.value();
          if (k.length == LEAF_KEY_BYTES && v.length == 8) {
            stored[leafOf(k)] = u64(v, 0);
          }
        }
      }
    } finally {
      db.releaseSnapshot(snapshot);
    }
    Deltas fixes = new Deltas();
    try (WriteBatch batch = new WriteBatch();
        WriteOptions synced = new WriteOptions().setSync(true)) {
      for (int leaf = 0; leaf < Merkle.LEAVES; leaf++) {
        long delta = computed[leaf] - stored[leaf];
        if (delta != 0) {
          batch.merge(leavesCf, leafKey(leaf), u64(delta));
          fixes.add(leaf, delta);
        }
      }
      if (fixes.size > 0) {
        db.write(synced, batch);
        applied(fixes);
        leavesFixed.addAndGet(fixes.size);
      }
    }
    return new Fixed(fixes.size, unreadable);
  }

  /** Leaves corrected by {@link #fixLeaves} since open. */
  long leavesFixed() {
    return leavesFixed.get();
  }

  /** Every leaf as the column family holds it now (tests compare it with the in-memory copy). */
  long[] persistedLeaves() {
    long[] out = new long[Merkle.LEAVES];
    try (RocksIterator it = db.newIterator(leavesCf)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        if (it.key().length == LEAF_KEY_BYTES && it.value().length == 8) {
          out[leafOf(it.key())] = u64(it.value(), 0);
        }
      }
    }
    return out;
  }

  /** Test hook: adds {@code delta} to a leaf without any key changing, as a fault would. */
  void damage(int leaf, long delta) throws RocksDBException {
    db.merge(leavesCf, leafKey(leaf), u64(delta));
    memory.addAndGet(leaf, delta);
  }

  /** Test hook: forgets the whole tree, in memory and on disk. */
  void clear() throws RocksDBException {
    try (WriteBatch b = new WriteBatch()) {
      b.deleteRange(leavesCf, new byte[0], new byte[] {(byte) 0xFF, (byte) 0xFF, 0});
      b.deleteRange(keysCf, new byte[0], new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
      try (WriteOptions w = new WriteOptions()) {
        db.write(w, b);
      }
    }
    for (int i = 0; i < Merkle.LEAVES; i++) {
      memory.set(i, 0);
    }
  }

  // ---- byte layouts ----

  static byte[] leafKey(int leaf) {
    return new byte[] {(byte) (leaf >>> 8), (byte) leaf};
  }

  static byte[] indexKey(int leaf, KeyRef key) {
    byte[] name = key.nameBytes();
    byte[] k = new byte[INDEX_PREFIX_BYTES + name.length];
    k[0] = (byte) (leaf >>> 8);
    k[1] = (byte) leaf;
    k[2] = (byte) key.family().ordinal();
    System.arraycopy(name, 0, k, INDEX_PREFIX_BYTES, name.length);
    return k;
  }

  /** The leaf of a leaf key or index key (their first two bytes). */
  static int leafOf(byte[] k) {
    return (k[0] & 0xFF) << 8 | (k[1] & 0xFF);
  }

  /** The key an index key names, or null when it names none (a damaged entry). */
  static KeyRef keyOf(byte[] k) {
    if (k.length <= INDEX_PREFIX_BYTES || (k[2] & 0xFF) >= Family.values().length) {
      return null;
    }
    String name =
        new String(k, INDEX_PREFIX_BYTES, k.length - INDEX_PREFIX_BYTES, StandardCharsets.UTF_8);
    try {
      KeyRef key = new KeyRef(Family.values()[k[2] & 0xFF], name);
      // A damaged name could decode (with replacement characters) to another key, or sit in
      // another key's leaf: refuse both.
      int leaf = leafOf(k);
      return Merkle.leaf(key) == leaf && Arrays.equals(indexKey(leaf, key), k) ? key : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** A 64-bit value as the add operator reads it: 8 bytes, little-endian. */
  static byte[] u64(long v) {
    byte[] b = new byte[8];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (v >>> (8 * i));
    }
    return b;
  }

  static long u64(byte[] b, int off) {
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = v << 8 | (b[off + i] & 0xFF);
    }
    return v;
  }
}
