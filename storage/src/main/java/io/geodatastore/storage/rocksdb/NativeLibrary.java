package io.geodatastore.storage.rocksdb;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.rocksdb.RocksDB;
import org.rocksdb.util.Environment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads RocksDB's native library from one copy per library content, kept under the temporary
 * directory, instead of letting {@code RocksDB.loadLibrary()} extract it from the jar to a fresh
 * temporary file on every start.
 *
 * <p>RocksDB deletes its copy when the JVM exits normally, so a node stopped with {@code kill -9},
 * killed for memory or crashed left 15 MB behind each time: the multi-process tests alone had left
 * 634 files, 9.5 GB, on this machine. Here every process with the same library shares {@code
 * <tmpdir>/geodatastore-<user>/rocksdbjni-<sha256 prefix>/<library>}: written to a temporary name
 * and moved into place atomically (processes starting together never see half a file), checked
 * against the jar's bytes before every load (a damaged or altered copy is replaced), in a directory
 * only its owner may write. Anything unexpected falls back to RocksDB's own loader.
 */
final class NativeLibrary {

  private static final Logger log = LoggerFactory.getLogger(NativeLibrary.class);

  private NativeLibrary() {}

  /** The library's resource in RocksDB's jar, as its own loader names it. */
  static final String RESOURCE = Environment.getJniLibraryFileName("rocksdb");

  /**
   * The name {@code RocksDB.loadLibrary(paths)} looks for in each path: it passes {@code
   * "rocksdbjni"} where the jar's loader passes {@code "rocksdb"}, hence {@code
   * librocksdbjnijni-linux64.so} on Linux.
   */
  private static final String LOADED_NAME = Environment.getJniLibraryFileName("rocksdbjni");

  /** Loads the library, once per JVM (RocksDB ignores later calls). */
  static void load() {
    Path root =
        Path.of(
            System.getProperty("java.io.tmpdir"),
            "geodatastore-" + System.getProperty("user.name", "user"));
    try {
      Path lib = extract(root, RESOURCE);
      if (lib != null) {
        RocksDB.loadLibrary(List.of(lib.getParent().toString()));
        return;
      }
    } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
      log.warn(
          "RocksDB's library could not be kept under {} ({}); extracting it to a temporary file",
          root,
          e.toString());
    }
    RocksDB.loadLibrary();
  }

  /**
   * Makes {@code root/rocksdbjni-<digest>/} hold the jar's resource {@code resource} under the name
   * RocksDB loads from a path, and returns the file; null when the jar has no such resource
   * (another platform's build) or {@code root} is not this user's own.
   */
  static Path extract(Path root, String resource) throws IOException {
    byte[] bytes;
    try (InputStream in = RocksDB.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        return null;
      }
      bytes = in.readAllBytes();
    }
    byte[] digest = sha256(bytes);
    if (!ownDirectory(root)) {
      log.warn("{} belongs to another user or others may write to it; not using it", root);
      return null;
    }
    Path dir = root.resolve("rocksdbjni-" + HexFormat.of().formatHex(digest, 0, 8));
    Files.createDirectories(dir);
    Path lib = dir.resolve(LOADED_NAME);
    if (Files.isRegularFile(lib)
        && Files.size(lib) == bytes.length
        && Arrays.equals(sha256(Files.readAllBytes(lib)), digest)) {
      return lib;
    }
    Path part = Files.createTempFile(dir, LOADED_NAME, ".part");
    try {
      Files.write(part, bytes);
      try {
        Files.move(part, lib, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(part, lib, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(part);
    }
    return lib;
  }

  /**
   * Creates {@code dir} readable and writable by this user only, or checks that an existing one is
   * this user's and not writable by others (someone else's library must not be loaded from it).
   */
  private static boolean ownDirectory(Path dir) throws IOException {
    PosixFileAttributeView posix =
        Files.getFileAttributeView(dir.getParent(), PosixFileAttributeView.class);
    if (posix == null) {
      Files.createDirectories(dir);
      return true;
    }
    if (!Files.exists(dir)) {
      try {
        Files.createDirectory(
            dir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // created meanwhile by another process; checked below like any existing directory
      }
    }
    UserPrincipal me =
        dir.getFileSystem()
            .getUserPrincipalLookupService()
            .lookupPrincipalByName(System.getProperty("user.name"));
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
    return Files.isDirectory(dir)
        && !Files.isSymbolicLink(dir)
        && Files.getOwner(dir).equals(me)
        && !perms.contains(PosixFilePermission.GROUP_WRITE)
        && !perms.contains(PosixFilePermission.OTHERS_WRITE);
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
