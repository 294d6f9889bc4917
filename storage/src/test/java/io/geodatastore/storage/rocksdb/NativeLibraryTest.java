package io.geodatastore.storage.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeLibraryTest {

  private static final String FILE = NativeLibrary.RESOURCE;

  @TempDir Path tmp;

  @Test
  void keepsOneCopyPerContentAndReusesIt() throws IOException {
    Path root = tmp.resolve("geodatastore-test");
    Path lib = NativeLibrary.extract(root, FILE);

    assertThat(lib).isRegularFile().hasParent(lib.getParent());
    assertThat(lib.getParent().getParent()).isEqualTo(root);
    assertThat(lib.getParent().getFileName().toString()).matches("rocksdbjni-[0-9a-f]{16}");
    byte[] first = Files.readAllBytes(lib);
    FileTime written = FileTime.fromMillis(1_000_000L);
    Files.setLastModifiedTime(lib, written);

    // A second start reuses the copy: the same path, not rewritten, no other file left beside it.
    assertThat(NativeLibrary.extract(root, FILE)).isEqualTo(lib);
    assertThat(Files.getLastModifiedTime(lib)).isEqualTo(written);
    try (Stream<Path> files = Files.list(lib.getParent())) {
      assertThat(files).containsExactly(lib);
    }
    assertThat(first.length).isGreaterThan(1_000_000);
  }

  @Test
  void replacesADamagedCopy() throws IOException {
    Path root = tmp.resolve("geodatastore-test");
    Path lib = NativeLibrary.extract(root, FILE);
    byte[] good = Files.readAllBytes(lib);
    byte[] bad = good.clone();
    bad[bad.length / 2] ^= 0x5a; // same size, one byte changed
    Files.write(lib, bad);

    assertThat(NativeLibrary.extract(root, FILE)).isEqualTo(lib);
    assertThat(Files.readAllBytes(lib)).isEqualTo(good);
  }

  @Test
  void refusesADirectoryOthersMayWrite() throws IOException {
    Path root = Files.createDirectory(tmp.resolve("shared"));
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxrwxrwx"));

    assertThat(NativeLibrary.extract(root, FILE)).isNull();
    try (Stream<Path> files = Files.list(root)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void givesNullForALibraryTheJarDoesNotHold() throws IOException {
    assertThat(NativeLibrary.extract(tmp.resolve("x"), "librocksdbjni-no-such-os.so")).isNull();
  }
}
