package io.geodatastore.storage;

import java.util.List;

/**
 * A page of the anti-entropy tree's keys ({@link Store#merkleKeys}): whole leaves, so that a peer
 * comparing a differing leaf always sees all of its keys at once.
 *
 * @param keys the keys of the leaves read, with the hash the tree holds for each; ordered by leaf,
 *     then family, then name bytes
 * @param nextLeaf the first leaf not read yet: where the next page starts, or the end of the range
 *     asked for when it is done
 */
public record MerklePage(List<KeyHash> keys, int nextLeaf) {
  public MerklePage {
    keys = List.copyOf(keys);
  }
}
