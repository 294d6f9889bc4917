package io.geodatastore.cluster.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.storage.KeyHash;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.MemoryMerkleTree;
import io.geodatastore.storage.Merkle;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** {@link LocalReplica#readLeaves}: a list of leaves answered through range reads. */
class ReadLeavesTest {

  @Test
  void scatteredLeavesAreReadWholeAndInOrderUntilTheBound() {
    MemoryMerkleTree tree = new MemoryMerkleTree();
    TreeSet<Integer> occupied = new TreeSet<>();
    for (int i = 0; i < 20_000; i++) {
      KeyRef k = KeyRef.of(Family.COUNTERS, "c" + i);
      tree.put(k, KeyRecord.live(CrdtType.G_COUNTER.empty()));
      occupied.add(Merkle.leaf(k));
    }
    List<Integer> asked = new ArrayList<>();
    for (int leaf = 100; leaf < 2_000; leaf += 3) {
      asked.add(leaf);
    }
    asked.add(2_000);
    asked.add(2_001);
    asked.add(2_002);

    LocalReplica.LeafKeys all = LocalReplica.readLeaves(asked, 1_000_000, tree::keys);
    assertThat(all.leavesRead()).isEqualTo(asked.size());
    assertThat(all.keys()).allMatch(k -> asked.contains(k.leaf()));
    int expected = 0;
    for (int leaf : asked) {
      expected += tree.keys(leaf, leaf + 1, Integer.MAX_VALUE).keys().size();
    }
    assertThat(all.keys()).hasSize(expected);

    LocalReplica.LeafKeys some = LocalReplica.readLeaves(asked, 50, tree::keys);
    assertThat(some.leavesRead()).isBetween(1, asked.size() - 1);
    assertThat(some.keys().size()).isGreaterThanOrEqualTo(50);
    int lastLeafRead = asked.get(some.leavesRead() - 1);
    assertThat(some.keys()).allMatch(k -> k.leaf() <= lastLeafRead);
    List<KeyHash> ofLast = some.keys().stream().filter(k -> k.leaf() == lastLeafRead).toList();
    assertThat(ofLast).hasSize(tree.keys(lastLeafRead, lastLeafRead + 1, 1_000).keys().size());
  }
}
