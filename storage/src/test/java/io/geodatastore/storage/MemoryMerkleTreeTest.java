package io.geodatastore.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.crdt.GCounter;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The in-memory tree agrees with a tree computed from scratch whatever the order of changes. */
class MemoryMerkleTreeTest {

  static KeyRecord counter(long n) {
    return KeyRecord.live(GCounter.of(VersionVector.of(new ReplicaId("r"), n)));
  }

  @Test
  void incrementalChangesGiveTheTreeOfTheFinalRecords() {
    long seed = 7;
    SplittableRandom random = new SplittableRandom(seed);
    MemoryMerkleTree tree = new MemoryMerkleTree();
    java.util.Map<KeyRef, KeyRecord> finalRecords = new java.util.HashMap<>();
    for (int i = 0; i < 5_000; i++) {
      KeyRef k = KeyRef.of(Family.COUNTERS, "k" + random.nextInt(1_000));
      if (random.nextInt(10) == 0) {
        tree.put(k, null);
        finalRecords.remove(k);
      } else {
        KeyRecord r = counter(1 + random.nextInt(50));
        tree.put(k, r);
        finalRecords.put(k, r);
      }
    }
    long[] leaves = new long[Merkle.LEAVES];
    finalRecords.forEach((k, r) -> leaves[Merkle.leaf(k)] += Merkle.keyHash(k, r));
    assertThat(tree.branches()).as("seed %d", seed).isEqualTo(Merkle.branches(leaves));
    assertThat(tree.root()).isEqualTo(Merkle.root(leaves));
    for (int b = 0; b < Merkle.BRANCHES; b += 37) {
      long[] expected = new long[Merkle.LEAVES_PER_BRANCH];
      System.arraycopy(leaves, b * Merkle.LEAVES_PER_BRANCH, expected, 0, expected.length);
      assertThat(tree.leaves(b)).isEqualTo(expected);
    }
    MerklePage all = tree.keys(0, Merkle.LEAVES, Integer.MAX_VALUE);
    assertThat(all.keys()).hasSize(finalRecords.size());
    assertThat(all.nextLeaf()).isEqualTo(Merkle.LEAVES);
  }

  @Test
  void pagesHoldWholeLeavesAndSayWhereToGoOn() {
    MemoryMerkleTree tree = new MemoryMerkleTree();
    for (int i = 0; i < 3_000; i++) {
      KeyRef k = KeyRef.of(Family.SETS, "s" + i);
      tree.put(k, KeyRecord.live(io.geodatastore.core.crdt.CrdtType.OR_SET.empty()));
    }
    List<KeyHash> seen = new ArrayList<>();
    int from = 0;
    int pages = 0;
    while (from < Merkle.LEAVES) {
      MerklePage p = tree.keys(from, Merkle.LEAVES, 100);
      assertThat(p.nextLeaf()).isGreaterThan(from);
      if (p.nextLeaf() < Merkle.LEAVES) {
        assertThat(p.keys().size()).isGreaterThanOrEqualTo(100);
        // whole leaves: the last leaf read is complete, the next starts fresh
        assertThat(p.keys().getLast().leaf()).isEqualTo(p.nextLeaf() - 1);
      }
      seen.addAll(p.keys());
      from = p.nextLeaf();
      pages++;
    }
    assertThat(seen).hasSize(3_000);
    assertThat(pages).isBetween(25, 31);
  }
}
