package io.geodatastore.storage.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.crdt.Family;
import io.geodatastore.storage.KeyRef;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordCacheTest {

  private static KeyRef key(int i) {
    return KeyRef.of(Family.COUNTERS, "k" + i);
  }

  private static Slot slot(int i, int storedBytes) {
    return new Slot(key(i), null, storedBytes, null, List.of(), 0);
  }

  @Test
  void evictsTheLeastRecentlyUsedPastTheEntryBound() {
    RecordCache c = new RecordCache(3, 1_000);
    for (int i = 0; i < 3; i++) {
      c.put(key(i), slot(i, 10));
    }
    c.get(key(0)); // 1 is now the least recently used
    c.put(key(3), slot(3, 10));
    assertThat(c.get(key(1))).isNull();
    assertThat(c.get(key(0))).isNotNull();
    assertThat(c.size()).isEqualTo(3);
    assertThat(c.bytes()).isEqualTo(30);
  }

  @Test
  void evictsAsManyAsItTakesToFallBackUnderTheByteBound() {
    RecordCache c = new RecordCache(100, 100);
    for (int i = 0; i < 5; i++) {
      c.put(key(i), slot(i, 20));
    }
    c.put(key(9), slot(9, 70)); // 170 bytes: the four eldest must go
    assertThat(c.bytes()).isEqualTo(90);
    assertThat(c.size()).isEqualTo(2);
    assertThat(c.get(key(4))).isNotNull();
    assertThat(c.get(key(9))).isNotNull();
  }

  @Test
  void keepsARecordLargerThanTheWholeBoundUntilTheNextPut() {
    RecordCache c = new RecordCache(100, 100);
    c.put(key(0), slot(0, 10));
    c.put(key(1), slot(1, 500));
    assertThat(c.size()).isEqualTo(1);
    assertThat(c.bytes()).isEqualTo(500);
    c.put(key(2), slot(2, 10));
    assertThat(c.get(key(1))).isNull();
    assertThat(c.bytes()).isEqualTo(10);
  }

  @Test
  void replacingAndRemovingKeepTheByteCountExact() {
    RecordCache c = new RecordCache(10, 1_000);
    c.put(key(0), slot(0, 10));
    c.put(key(0), slot(0, 40));
    assertThat(c.bytes()).isEqualTo(40);
    c.remove(key(0));
    c.remove(key(0));
    assertThat(c.bytes()).isZero();
    assertThat(c.size()).isZero();
  }
}
