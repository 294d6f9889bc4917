package io.geodatastore.storage;

import java.nio.charset.StandardCharsets;

/**
 * The shape and hashing of a replica's anti-entropy tree (ARCHITECTURE.md, "Incremental Merkle
 * trees"), shared by every implementation so that two replicas' trees compare.
 *
 * <p>Every key falls into one of {@link #LEAVES} leaves by a hash of its family and name. A key's
 * hash covers its family, name and stored record bytes ({@link RecordCodec}, deterministic for
 * equal records). A leaf's value is the sum (mod 2<sup>64</sup>) of its keys' hashes, a branch's
 * the sum of its {@link #LEAVES_PER_BRANCH} leaves, the root the sum of all branches. Sums, like
 * Tictac AAE's XOR, combine in any order, so a write updates its leaf by {@code +new - old} without
 * reading the rest of the tree (and RocksDB's 64-bit add merge operator applies it inside the
 * write's own batch). An empty leaf is 0; a key's hash is never 0.
 */
public final class Merkle {

  /** Leaves of the tree: 2<sup>16</sup>, about 15 keys each at a million keys. */
  public static final int LEAVES = 1 << 16;

  /** Branches under the root. */
  public static final int BRANCHES = 256;

  /** Leaves under one branch. */
  public static final int LEAVES_PER_BRANCH = LEAVES / BRANCHES;

  private Merkle() {}

  /** The leaf of {@code key}: 0 to {@code LEAVES - 1}. */
  public static int leaf(KeyRef key) {
    long h = mix(seed(key.family().ordinal()) ^ hashBytes(key.nameBytes(), 0x9E3779B97F4A7C15L));
    return (int) (h >>> (64 - 16));
  }

  /** The branch a leaf belongs to. */
  public static int branchOf(int leaf) {
    return leaf / LEAVES_PER_BRANCH;
  }

  /** The hash of {@code key} holding the stored record {@code recordBytes}; never 0. */
  public static long keyHash(KeyRef key, byte[] recordBytes) {
    long h = seed(key.family().ordinal());
    byte[] name = key.name().getBytes(StandardCharsets.UTF_8);
    h = hashBytes(name, h);
    h = mix(h ^ name.length);
    h = hashBytes(recordBytes, h);
    h = mix(h ^ recordBytes.length);
    return h == 0 ? 1 : h;
  }

  /** The hash of {@code record} stored under {@code key}: {@link #keyHash} of its encoding. */
  public static long keyHash(KeyRef key, KeyRecord record) {
    return keyHash(key, RecordCodec.encode(record));
  }

  /** The sums of the branches, given all leaves. */
  public static long[] branches(long[] leaves) {
    if (leaves.length != LEAVES) {
      throw new IllegalArgumentException("a tree has " + LEAVES + " leaves");
    }
    long[] out = new long[BRANCHES];
    for (int i = 0; i < LEAVES; i++) {
      out[i / LEAVES_PER_BRANCH] += leaves[i];
    }
    return out;
  }

  /** The root: the sum of every leaf (or of every branch). */
  public static long root(long[] sums) {
    long r = 0;
    for (long s : sums) {
      r += s;
    }
    return r;
  }

  private static long seed(int family) {
    return mix(0x243F6A8885A308D3L + family);
  }

  /** A 64-bit hash of {@code b}, continuing from {@code h} (8 bytes per step, then a mix). */
  private static long hashBytes(byte[] b, long h) {
    int i = 0;
    for (; i + 8 <= b.length; i += 8) {
      long w =
          (b[i] & 0xFFL)
              | (b[i + 1] & 0xFFL) << 8
              | (b[i + 2] & 0xFFL) << 16
              | (b[i + 3] & 0xFFL) << 24
              | (b[i + 4] & 0xFFL) << 32
              | (b[i + 5] & 0xFFL) << 40
              | (b[i + 6] & 0xFFL) << 48
              | (b[i + 7] & 0xFFL) << 56;
      h = mix(h ^ w) * 0x9FB21C651E98DF25L;
    }
    long tail = 0;
    for (int s = 0; i < b.length; i++, s += 8) {
      tail |= (b[i] & 0xFFL) << s;
    }
    return mix(h ^ tail ^ ((long) b.length << 56));
  }

  /** The murmur3 / splitmix64 finaliser: every input bit affects every output bit. */
  private static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
    z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
    return z ^ (z >>> 33);
  }
}
