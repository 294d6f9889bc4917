package io.geodatastore.core.causal;

/** How two version vectors relate under happened-before. */
public enum CausalOrder {
  /** Every entry of the first is at most the second's, and they differ. */
  BEFORE,
  /** Every entry of the first is at least the second's, and they differ. */
  AFTER,
  EQUAL,
  /** Each has an entry greater than the other's. */
  CONCURRENT
}
