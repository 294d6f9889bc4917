package io.geodatastore.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/** A key whose stored bytes are corrupt answers 503 and is counted; other keys keep serving. */
class QuarantineTest {

  @TempDir Path dir;

  @Test
  void aCorruptKeyAnswers503AndTheRestServes() throws Exception {
    try (GeodsNode node = TestNodes.start(dir)) {
      TestHttp http = new TestHttp(node.httpPort());
      http.post("/crdt/counters/bad/increment", "{\"value\":3}");
      http.post("/crdt/counters/good/increment", "{\"value\":4}");
    }
    corrupt(dir, "pn_counter", "bad");
    try (GeodsNode node = TestNodes.start(dir)) {
      TestHttp http = new TestHttp(node.httpPort());
      var read = http.get("/crdt/counters/bad");
      assertThat(read.status()).isEqualTo(503);
      assertThat(read.json().get("error").asText()).isEqualTo("quarantined");
      var write = http.post("/crdt/counters/bad/increment", "{}");
      assertThat(write.status()).isEqualTo(503);
      assertThat(write.json().get("error").asText()).isEqualTo("quarantined");
      assertThat(http.get("/crdt/counters/good").json().get("value").asLong()).isEqualTo(4);
      assertThat(http.get("/metrics").text()).contains("geodatastore_quarantined_keys 1.0");
      assertThat(http.get("/admin/status").json().get("node").get("quarantined_keys").asInt())
          .isEqualTo(1);
    }
  }

  /** Overwrites one record with bytes that fail their checksum, as a disk fault would. */
  private static void corrupt(Path dataDir, String columnFamily, String key) throws Exception {
    RocksDB.loadLibrary();
    List<byte[]> names;
    try (Options o = new Options()) {
      names = RocksDB.listColumnFamilies(o, dataDir.toString());
    }
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    for (byte[] n : names) {
      descriptors.add(new ColumnFamilyDescriptor(n));
    }
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (DBOptions o = new DBOptions();
        RocksDB db = RocksDB.open(o, dataDir.toString(), descriptors, handles)) {
      for (int i = 0; i < names.size(); i++) {
        if (new String(names.get(i), StandardCharsets.UTF_8).equals(columnFamily)) {
          db.put(
              handles.get(i),
              key.getBytes(StandardCharsets.UTF_8),
              new byte[] {1, 1, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9});
        }
      }
      handles.forEach(ColumnFamilyHandle::close);
    }
  }
}
