package io.geodatastore.storage.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.storage.CorruptRecordException;
import io.geodatastore.storage.KeyHash;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.Merkle;
import io.geodatastore.storage.MerklePage;
import io.geodatastore.storage.RecordCodec;
import io.geodatastore.storage.Store;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.TreeSet;

/**
 * Test helpers for the anti-entropy tree: a store's tree as its SPI shows it, and the tree
 * recomputed from scratch by reading every record, for comparison.
 */
final class Trees {

  private Trees() {}

  /** A whole tree: every leaf, every branch, and every key with its hash in page order. */
  record Tree(long[] leaves, long[] branches, List<KeyHash> keys) {}

  /** The order of {@link Store#merkleKeys}: by leaf, then by the index key's bytes. */
  static final Comparator<KeyHash> PAGE_ORDER =
      Comparator.comparingInt(KeyHash::leaf)
          .thenComparing(
              k -> MerkleTree.indexKey(k.leaf(), k.key()), (a, b) -> Arrays.compareUnsigned(a, b));

  /** The tree as {@code store}'s SPI serves it (keys read in pages of {@code pageKeys}). */
  static Tree served(Store store, int pageKeys) {
    long[] leaves = new long[Merkle.LEAVES];
    for (int b = 0; b < Merkle.BRANCHES; b++) {
      long[] l = store.merkleLeaves(b);
      System.arraycopy(l, 0, leaves, b * Merkle.LEAVES_PER_BRANCH, l.length);
    }
    List<KeyHash> keys = new ArrayList<>();
    int from = 0;
    int pages = 0;
    while (from < Merkle.LEAVES) {
      MerklePage p = store.merkleKeys(from, Merkle.LEAVES, pageKeys);
      assertThat(p.nextLeaf()).as("a page moves forward").isGreaterThan(from);
      for (KeyHash k : p.keys()) {
        assertThat(k.leaf()).as("%s is in the page's range", k).isBetween(from, p.nextLeaf() - 1);
      }
      keys.addAll(p.keys());
      from = p.nextLeaf();
      assertThat(++pages).as("pages").isLessThanOrEqualTo(Merkle.LEAVES);
    }
    return new Tree(leaves, store.merkleBranches(), keys);
  }

  /** The tree recomputed from the records of {@code universe} (keys never written are absent). */
  static Tree recomputed(Store store, Collection<KeyRef> universe) throws CorruptRecordException {
    long[] leaves = new long[Merkle.LEAVES];
    TreeSet<KeyHash> keys = new TreeSet<>(PAGE_ORDER);
    for (KeyRef key : new HashSet<>(universe)) {
      KeyRecord r = store.readRecord(key);
      if (r != null) {
        long h = Merkle.keyHash(key, RecordCodec.encode(r));
        int leaf = Merkle.leaf(key);
        leaves[leaf] += h;
        keys.add(new KeyHash(key, leaf, h));
      }
    }
    return new Tree(leaves, Merkle.branches(leaves), List.copyOf(keys));
  }

  /**
   * Asserts that {@code store}'s tree, in memory (through its SPI) and in its column family, equals
   * the tree recomputed from its records.
   */
  static void assertExact(RocksStore store, Collection<KeyRef> universe, String at)
      throws CorruptRecordException {
    Tree want = recomputed(store, universe);
    assertEqual(served(store, 1 + universe.size() / 50), want, at + ", served vs recomputed");
    assertThat(diff(store.persistedMerkleLeaves(), want.leaves()))
        .as("%s: persisted leaves vs recomputed", at)
        .isEmpty();
  }

  static void assertEqual(Tree got, Tree want, String at) {
    assertThat(diff(got.leaves(), want.leaves())).as("%s: leaves", at).isEmpty();
    assertThat(diff(got.branches(), want.branches())).as("%s: branches", at).isEmpty();
    assertThat(got.keys().size()).as("%s: number of keys", at).isEqualTo(want.keys().size());
    assertThat(got.keys()).as("%s: keys", at).isEqualTo(want.keys());
  }

  /** Up to ten differing positions, described; empty when equal. */
  static List<String> diff(long[] got, long[] want) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < Math.max(got.length, want.length) && out.size() < 10; i++) {
      long g = i < got.length ? got[i] : 0;
      long w = i < want.length ? want[i] : 0;
      if (g != w) {
        out.add("[" + i + "] " + g + " != " + w);
      }
    }
    if (got.length != want.length) {
      out.add("lengths " + got.length + " != " + want.length);
    }
    return out;
  }
}
