package io.geodatastore.storage;

import io.geodatastore.core.crdt.Family;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A key: its family (each family is its own namespace) and its name, 1 to {@value #NAME_BYTES_MAX}
 * bytes of UTF-8.
 */
public record KeyRef(Family family, String name) {

  /** The longest key name, in UTF-8 bytes. */
  public static final int NAME_BYTES_MAX = 512;

  public KeyRef {
    Objects.requireNonNull(family, "family");
    Objects.requireNonNull(name, "name");
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes == 0 || bytes > NAME_BYTES_MAX) {
      throw new IllegalArgumentException(
          "a key name is 1 to " + NAME_BYTES_MAX + " bytes of UTF-8, got " + bytes);
    }
  }

  public static KeyRef of(Family family, String name) {
    return new KeyRef(family, name);
  }

  /** The name as stored: its UTF-8 bytes. */
  public byte[] nameBytes() {
    return name.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return family.apiName() + "/" + name;
  }
}
