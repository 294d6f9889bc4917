package io.geodatastore.storage;

import java.util.List;

/**
 * A page of the anti-entropy tree's keys: whole leaves, in leaf then key order.
 *
 * @param keys the keys of the leaves read, with the hash the tree holds for each
 * @param nextLeaf the first leaf not read yet (the end of the range asked for when it is done)
 */
public record MerklePage(List<KeyHash> keys, int nextLeaf) {
  public MerklePage {
    keys = List.copyOf(keys);
  }
}
