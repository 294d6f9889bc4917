package io.geodatastore.storage;

/**
 * A key as the anti-entropy tree sees it.
 *
 * @param key the key
 * @param leaf its leaf ({@link Merkle#leaf})
 * @param hash the hash of its stored record ({@link Merkle#keyHash}); the tree's current term
 */
public record KeyHash(KeyRef key, int leaf, long hash) {}
