package io.geodatastore.storage;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The anti-entropy tree ({@link Merkle}) of a replica that keeps its records in memory — the
 * simulator's, and tests' — maintained incrementally as the RocksDB store maintains its own: every
 * change of a key replaces its term in its leaf ({@code + new - old}), and each leaf keeps its keys
 * with their hashes for {@link #keys}. Not thread-safe.
 */
public final class MemoryMerkleTree {

  private static final Comparator<KeyRef> KEY_ORDER =
      Comparator.comparing(KeyRef::family).thenComparing(KeyRef::name);

  private final long[] leaves = new long[Merkle.LEAVES];
  private final long[] branches = new long[Merkle.BRANCHES];
  private final TreeMap<Integer, TreeMap<KeyRef, Long>> keysByLeaf = new TreeMap<>();

  /** Sets {@code key}'s record to {@code record} (null: the key is gone). */
  public void put(KeyRef key, KeyRecord record) {
    putHash(key, record == null ? 0 : Merkle.keyHash(key, record));
  }

  /**
   * Sets the hash the tree holds for {@code key} (0: none), as a store does for a key whose stored
   * bytes it cannot decode.
   */
  public void putHash(KeyRef key, long hash) {
    int leaf = Merkle.leaf(key);
    TreeMap<KeyRef, Long> keys = keysByLeaf.get(leaf);
    long old = keys == null ? 0 : keys.getOrDefault(key, 0L);
    if (old == hash) {
      return;
    }
    if (hash == 0) {
      keys.remove(key);
      if (keys.isEmpty()) {
        keysByLeaf.remove(leaf);
      }
    } else {
      keysByLeaf.computeIfAbsent(leaf, l -> new TreeMap<>(KEY_ORDER)).put(key, hash);
    }
    leaves[leaf] += hash - old;
    branches[Merkle.branchOf(leaf)] += hash - old;
  }

  /** The hash the tree holds for {@code key}, 0 when none. */
  public long hash(KeyRef key) {
    TreeMap<KeyRef, Long> keys = keysByLeaf.get(Merkle.leaf(key));
    return keys == null ? 0 : keys.getOrDefault(key, 0L);
  }

  public long root() {
    return Merkle.root(branches);
  }

  /** The {@link Merkle#BRANCHES} branch sums (a copy). */
  public long[] branches() {
    return branches.clone();
  }

  /** The {@link Merkle#LEAVES_PER_BRANCH} leaf sums of {@code branch} (a copy). */
  public long[] leaves(int branch) {
    long[] out = new long[Merkle.LEAVES_PER_BRANCH];
    System.arraycopy(leaves, branch * Merkle.LEAVES_PER_BRANCH, out, 0, out.length);
    return out;
  }

  /**
   * Keys of leaves {@code fromLeaf} (inclusive) to {@code toLeaf} (exclusive), as {@code
   * Store.merkleKeys} answers: whole leaves in order, stopping after the leaf in which {@code
   * maxKeys} is reached.
   */
  public MerklePage keys(int fromLeaf, int toLeaf, int maxKeys) {
    List<KeyHash> out = new ArrayList<>();
    if (fromLeaf >= toLeaf) {
      return new MerklePage(out, toLeaf);
    }
    for (Map.Entry<Integer, TreeMap<KeyRef, Long>> l :
        keysByLeaf.subMap(fromLeaf, toLeaf).entrySet()) {
      for (Map.Entry<KeyRef, Long> e : l.getValue().entrySet()) {
        out.add(new KeyHash(e.getKey(), l.getKey(), e.getValue()));
      }
      if (out.size() >= maxKeys) {
        return new MerklePage(out, l.getKey() + 1);
      }
    }
    return new MerklePage(out, toLeaf);
  }
}
