package io.geodatastore.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.crdt.Family;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.Merkle;
import io.geodatastore.storage.rocksdb.StoreFaults;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node verifies its anti-entropy tree on schedule, and only when asked to. */
class MerkleVerificationTest {

  @TempDir Path dir;

  private GeodsNode start(String intervalMs) {
    Map<String, String> s = TestNodes.settings(dir);
    s.put("merkle-verify-interval-ms", intervalMs);
    return TestNodes.start(s);
  }

  @Test
  void aDamagedLeafIsFixedByTheScheduledVerificationAndCounted() {
    try (GeodsNode node = start("100")) {
      TestHttp http = new TestHttp(node.httpPort());
      for (int i = 0; i < 20; i++) {
        assertThat(http.post("/crdt/counters/c" + i + "/increment", "{\"value\":1}").status())
            .isEqualTo(200);
      }
      long[] before = node.store().merkleBranches();
      StoreFaults.damageMerkleLeaf(node.store(), Merkle.leaf(KeyRef.of(Family.COUNTERS, "c3")), 7);
      assertThat(node.store().merkleBranches()).as("the damage shows").isNotEqualTo(before);

      await(() -> node.store().merkleLeavesFixed() >= 1);

      assertThat(node.store().merkleBranches()).as("the tree is exact again").isEqualTo(before);
      assertThat(http.get("/metrics").text())
          .containsPattern("geodatastore_merkle_leaves_fixed_total\\{[^}]*\\} 1\\.0");
    }
  }

  @Test
  void intervalZeroNeverVerifies() {
    try (GeodsNode node = start("0")) {
      TestHttp http = new TestHttp(node.httpPort());
      assertThat(http.post("/crdt/counters/c/increment", "{\"value\":1}").status()).isEqualTo(200);
      StoreFaults.damageMerkleLeaf(node.store(), Merkle.leaf(KeyRef.of(Family.COUNTERS, "c")), 7);
      MerkleVerification v = new MerkleVerification(node.store(), "test", Long.MAX_VALUE);
      try {
        assertThat(node.store().merkleLeavesFixed()).as("nothing verified on its own").isZero();
        assertThat(v.run()).as("a verification run by hand fixes the leaf").isEqualTo(1);
        assertThat(v.run()).isZero();
      } finally {
        v.close();
      }
    }
  }

  private static void await(java.util.function.BooleanSupplier cond) {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (!cond.getAsBoolean()) {
      assertThat(System.nanoTime()).as("verification within 20 s").isLessThan(deadline);
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
