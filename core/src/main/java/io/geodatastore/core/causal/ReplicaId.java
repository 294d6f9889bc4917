package io.geodatastore.core.causal;

/**
 * The identity of one replica: the origin of dots, version-vector entries and LWW writes.
 *
 * <p>A replica id must never be reused by a replica that lost its state, or its new dots would be
 * mistaken for old ones; the storage layer keeps it in the data directory for that reason. Ids are
 * ordered by their text, which is the tie-break of last-writer-wins and the order of every
 * encoding.
 *
 * @param value 1 to 255 characters, no control characters
 */
public record ReplicaId(String value) implements Comparable<ReplicaId> {

  /** The longest id accepted, in characters. */
  public static final int LENGTH_MAX = 255;

  public ReplicaId {
    if (value == null || value.isEmpty() || value.length() > LENGTH_MAX) {
      throw new IllegalArgumentException(
          "a replica id is 1 to " + LENGTH_MAX + " characters, got " + describe(value));
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        throw new IllegalArgumentException("a replica id has no control characters: " + value);
      }
    }
  }

  public static ReplicaId of(String value) {
    return new ReplicaId(value);
  }

  private static String describe(String value) {
    return value == null ? "null" : value.length() + " characters";
  }

  @Override
  public int compareTo(ReplicaId o) {
    return value.compareTo(o.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
