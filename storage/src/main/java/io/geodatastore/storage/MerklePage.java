package io.geodatastore.storage;

import java.util.List;

/**
 * A page of the anti-entropy tree's keys ({@link Store#merkleKeys}): whole leaves, so that a peer
 * comparing a differing leaf always sees all of its keys at once.
 *
 * @param keys the keys of the leaves covered, ordered by leaf, then family, then name bytes
 * @param nextLeaf the first leaf not covered: where the next page starts, or the requested end when
 *     the range is done
 */
public record MerklePage(List<KeyHash> keys, int nextLeaf) {

  public MerklePage {
    keys = List.copyOf(keys);
  }
}
