package io.geodatastore.storage;

/**
 * When a write is acknowledged.
 *
 * <ul>
 *   <li>{@link #FSYNC} (default): after the write-ahead log holding it is fsynced. Nothing
 *       acknowledged is lost on a crash or power loss. Group commit makes one fsync serve every
 *       write that arrived while the previous one ran.
 *   <li>{@link #OS}: after the write-ahead log holding it is written to the operating system,
 *       without fsync. Survives a process crash ({@code kill -9}); a power loss or kernel crash can
 *       lose the last moments of acknowledged writes. Faster, with lower latency.
 * </ul>
 */
public enum Durability {
  FSYNC,
  OS;

  /** The config spelling: {@code fsync} or {@code os}. */
  public static Durability parse(String s) {
    return switch (s.toLowerCase(java.util.Locale.ROOT)) {
      case "fsync" -> FSYNC;
      case "os" -> OS;
      default -> throw new IllegalArgumentException("durability is fsync or os, got " + s);
    };
  }
}
