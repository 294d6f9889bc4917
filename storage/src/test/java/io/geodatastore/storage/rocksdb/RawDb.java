package io.geodatastore.storage.rocksdb;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.UInt64AddOperator;

/**
 * A closed store's database opened directly through the RocksDB API, as a disk fault or another
 * program would reach it. The tree's leaves get their add operator: without it, recovery of the
 * write-ahead log stops at the first merge operand and silently drops every later write.
 */
final class RawDb {

  private RawDb() {}

  /** Something done to the raw database, given its column families by name. */
  @FunctionalInterface
  interface Change {
    void apply(RocksDB raw, Map<String, ColumnFamilyHandle> cfs) throws Exception;
  }

  static void change(Path db, Change change) throws Exception {
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    List<AutoCloseable> options = new ArrayList<>();
    try (Options o = new Options()) {
      for (byte[] name : RocksDB.listColumnFamilies(o, db.toString())) {
        ColumnFamilyOptions cfo = new ColumnFamilyOptions();
        options.add(cfo);
        if (new String(name, StandardCharsets.UTF_8).equals(RocksStore.CF_MERKLE)) {
          UInt64AddOperator add = new UInt64AddOperator();
          options.add(add);
          cfo.setMergeOperator(add);
        }
        descriptors.add(new ColumnFamilyDescriptor(name, cfo));
      }
    }
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (DBOptions o = new DBOptions();
        RocksDB raw = RocksDB.open(o, db.toString(), descriptors, handles)) {
      try {
        Map<String, ColumnFamilyHandle> cfs = new HashMap<>();
        for (int i = 0; i < descriptors.size(); i++) {
          cfs.put(new String(descriptors.get(i).getName(), StandardCharsets.UTF_8), handles.get(i));
        }
        change.apply(raw, cfs);
      } finally {
        handles.forEach(ColumnFamilyHandle::close);
      }
    } finally {
      for (AutoCloseable c : options) {
        c.close();
      }
    }
  }
}
