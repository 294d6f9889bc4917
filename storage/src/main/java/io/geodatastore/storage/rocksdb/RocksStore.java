package io.geodatastore.storage.rocksdb;

import io.geodatastore.core.causal.Hlc;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.ConflictRecord;
import io.geodatastore.storage.CorruptRecordException;
import io.geodatastore.storage.DependencyTracker;
import io.geodatastore.storage.GcResult;
import io.geodatastore.storage.KeyListing;
import io.geodatastore.storage.KeyOps;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.LogEntry;
import io.geodatastore.storage.LogEntryCodec;
import io.geodatastore.storage.MergeResult;
import io.geodatastore.storage.Merkle;
import io.geodatastore.storage.MerklePage;
import io.geodatastore.storage.Payload;
import io.geodatastore.storage.QuarantinedKey;
import io.geodatastore.storage.ReadResult;
import io.geodatastore.storage.RecordCodec;
import io.geodatastore.storage.StorageStats;
import io.geodatastore.storage.Store;
import io.geodatastore.storage.StoreConfig;
import io.geodatastore.storage.StoredLogEntry;
import io.geodatastore.storage.WriteResult;
import io.geodatastore.wire.VersionVectorCodec;
import io.geodatastore.wire.WireFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.ReadTier;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Statistics;
import org.rocksdb.Status;
import org.rocksdb.UInt64AddOperator;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Store} on RocksDB: one column family per CRDT type (keyed by key name), plus {@code
 * meta} (identity, format version, sequence, clock and visible high-water marks), {@code replog}
 * (this and other origins' delta entries, see {@link LogEntryCodec}), {@code conflicts}, and the
 * anti-entropy tree ({@link Merkle}, kept by {@link MerkleTree}) in {@code merkle} and {@code
 * merkle_keys}.
 *
 * <p>Writes go through {@link Shard}s; reads go to RocksDB directly and see every acknowledged
 * write. A value that fails its checksum or decode quarantines its key: logged once, counted,
 * listed by {@link #quarantined()}, refused for writes, and repaired by the next full-state merge.
 *
 * <p>The tree's column families, format 1 (meta key {@code merkle_format}, a 4-byte big-endian int,
 * present once the tree is complete):
 *
 * <pre>
 * merkle       key    2 bytes  leaf index (0 to 65,535), big-endian: leaves sort in order
 *              value  8 bytes  the leaf's sum (mod 2^64) of its keys' hashes, little-endian (the
 *                              layout of RocksDB's UInt64AddOperator, this family's merge
 *                              operator; every write adds its operand newHash - oldHash)
 * merkle_keys  key    2 bytes  the key's leaf ({@link Merkle#leaf}), big-endian
 *                     1 byte   its family's ordinal (counters 0, sets 1, registers 2)
 *                     rest     its name, UTF-8
 *              value  8 bytes  the key's hash ({@link Merkle#keyHash} of its stored bytes),
 *                              little-endian; the term its leaf holds for it
 * </pre>
 *
 * Both change in the batch that changes the record, so after any crash a leaf is the sum of its
 * {@code merkle_keys} entries and each entry hashes its key's stored record. A quarantined key
 * keeps the entry it had: its damaged bytes were never a term of its leaf. A directory without the
 * marker (written before the tree existed, or whose rebuild was interrupted) has its tree rebuilt
 * in the background at open, while writes go on.
 *
 * <p>Any program that opens this database must give {@code merkle} its add operator: without it
 * RocksDB's recovery of the write-ahead log stops at the first merge operand and silently drops
 * every later write. {@link #close} flushes, so after a clean close the log holds no operand; after
 * a crash it may.
 */
public final class RocksStore implements Store {

  static {
    NativeLibrary.load();
  }

  private static final Logger log = LoggerFactory.getLogger(RocksStore.class);

  /**
   * The meta format version this code writes; it reads every earlier one. Version 2:
   * replication-log entries may be in {@link LogEntryCodec} version 2 (with dependencies), which a
   * binary of version 1 cannot read; it refuses the directory instead. Meta keys {@code
   * vis.<tag>.<origin>} (8 bytes, big-endian) hold the visible high-water marks of {@link
   * DependencyTracker}: {@code tag} is a shard's index (written in the batches that merge entries)
   * or {@code n} ({@link #noteVisible}). Version 3: every write also keeps the anti-entropy tree
   * ({@code merkle}, {@code merkle_keys}; see above); a directory of an earlier version has its
   * tree rebuilt at open. A binary of version 2 or less refuses a version-3 directory, which
   * matters: its writes would leave the tree wrong without removing the marker that vouches for it.
   */
  public static final int META_FORMAT_VERSION = 3;

  /** The anti-entropy tree's format (the value of the meta marker {@code merkle_format}). */
  static final int MERKLE_FORMAT_VERSION = 1;

  /** Reindex tasks a rebuild keeps queued on the shards at once. */
  static final int REBUILD_IN_FLIGHT_MAX = 4_096;

  static final String CF_META = "meta";
  static final String CF_REPLOG = "replog";
  static final String CF_CONFLICTS = "conflicts";
  static final String CF_MERKLE = "merkle";
  static final String CF_MERKLE_KEYS = "merkle_keys";

  private static final byte[] META_REPLICA_ID = utf8("replica_id");
  private static final byte[] META_NODE_ID = utf8("node_id");
  private static final byte[] META_FORMAT = utf8("format_version");
  private static final byte[] META_MERKLE_FORMAT = utf8("merkle_format");
  private static final String META_SEQ_PREFIX = "seq.";
  private static final String META_HLC_PREFIX = "hlc.";
  private static final String META_VISIBLE_PREFIX = "vis.";
  private static final String VISIBLE_NOTED = "n";
  private static final byte[] META_HORIZON = utf8("horizon");
  private static final byte[] META_CLUSTER_STATE = utf8("cluster_state");
  private static final String META_APPLIED_PREFIX = "applied.";
  private static final String CHECKPOINT_MARKER = "GEODATASTORE_CHECKPOINT";

  /**
   * Size of each column family's memtable. RocksDB's default, 64 MiB, held about 800,000 entries
   * per column family under a 10,000-key load, and every insert into a skip list that size missed
   * the cache at most of its levels: {@code InlineSkipList::RecomputeSpliceLevels} took 22% of the
   * CPU of a three-node cluster replicating 8,000 writes/s, the largest single cost. At 4 MiB the
   * shard threads spent 9–10 µs less per write (origin 33 → 23 µs, replicas 29 → 20 µs); flushes of
   * such memtables also fold a hot key's versions into one. With 13 column families it also bounds
   * the memtables at about 100 MiB per node instead of 1.6 GiB. The price is background I/O when
   * the keys are many: 6,000,000 increments on 1,000,000 keys in one process flushed and compacted
   * 1.03 bytes per byte written, against 0.34 at 64 MiB, while the writes went faster (46,705
   * against 36,796 a second on two cores).
   */
  static final long MEMTABLE_BYTES = 4L << 20;

  private final StoreConfig config;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final UInt64AddOperator addOperator;
  private final ColumnFamilyOptions merkleCfOptions;
  private final LRUCache blockCache;
  private final BloomFilter bloom;
  private final Statistics statistics;
  private final WriteOptions writeOptions;
  private final WriteOptions unsyncedWrites;
  private final ReadOptions readDefaults = new ReadOptions();
  private final ReadOptions memoryOnly = new ReadOptions().setReadTier(ReadTier.BLOCK_CACHE_TIER);

  /** For scans of every record, which must not push the keys in use out of the block cache. */
  private final ReadOptions wholeScans = new ReadOptions().setFillCache(false);

  private final RocksDB db;
  private final List<ColumnFamilyHandle> handles;
  private final EnumMap<CrdtType, ColumnFamilyHandle> typeCfs = new EnumMap<>(CrdtType.class);
  private final ColumnFamilyHandle metaCf;
  private final ColumnFamilyHandle replogCf;
  private final ConflictLog conflictLog;
  private final ReplicaId replicaId;
  private final AtomicLong nextSeq;

  /**
   * Held by a shard from the first sequence number its batch allocates until the batch is written,
   * so sequence numbers reach the write-ahead log in order: a crash can then cut the log only at
   * its end, never leave a hole where a slower shard's earlier number was still unwritten.
   */
  private final ReentrantLock sequencer = new ReentrantLock();

  private final SequenceTracker durable;

  /**
   * Told once per batch that made entries of this replica's log durable ({@link #onLogDurable}).
   */
  private volatile Runnable logDurable = () -> {};

  private final Object clockLock = new Object();
  private Hlc hlc;
  private final AtomicLong hlcClamps = new AtomicLong();
  private volatile VersionVector horizon = VersionVector.EMPTY;
  private final DependencyTracker dependencies;
  private final Object noteLock = new Object();
  private final ConcurrentHashMap<KeyRef, QuarantinedKey> quarantine = new ConcurrentHashMap<>();
  private final AtomicLong quarantinedTotal = new AtomicLong();
  private final EnumMap<CrdtType, LongAdder[]> typeStats = new EnumMap<>(CrdtType.class);
  private volatile boolean statsDirty;
  private final AtomicLong logEntries = new AtomicLong();

  /**
   * Per origin, a sequence no retained log entry is below (everything under it was trimmed, and a
   * log only grows at its end). Seeks start there: trimmed keys stay in the files as deletions
   * until compaction drops them, and a seek from the log's start stepped over every one of them.
   */
  private final ConcurrentHashMap<ReplicaId, Long> logFloor = new ConcurrentHashMap<>();

  private final AtomicLong logBytes = new AtomicLong();

  /** The entries this replica appended last, read before the log itself. */
  private final LogTail tail = new LogTail();

  private final AtomicLong tombstonesReclaimed = new AtomicLong();
  private final AtomicLong bytesReclaimed = new AtomicLong();
  private final AtomicLong epochsForgotten = new AtomicLong();
  private final AtomicLong gcRuns = new AtomicLong();
  private final Object horizonLock = new Object();

  /**
   * Held by garbage collection and conflict-log expiry while they iterate, and by {@link #close}
   * before it frees the database: a scan must never touch a closed database.
   */
  private final ReentrantLock maintenance = new ReentrantLock();

  private final Shard[] shards;
  private volatile boolean closed;

  private final MerkleTree merkle;

  /**
   * One repair of the tree at a time (a rebuild, or {@link #verifyMerkle}): two fixes of a leaf at
   * once would each add the same correction. A semaphore, since a rebuild takes it on the thread
   * that starts it and gives it back on its own thread.
   */
  private final Semaphore merkleRepair = new Semaphore(1);

  private final AtomicLong merkleRebuilds = new AtomicLong();
  private final Consumer<String> merkleHook;
  private Thread rebuildThread;
  private volatile CompletableFuture<Void> rebuilding = CompletableFuture.completedFuture(null);

  private RocksStore(StoreConfig config, boolean reidentify, Consumer<String> merkleHook)
      throws RocksDBException, IOException {
    this.config = config;
    this.merkleHook = merkleHook;
    Files.createDirectories(config.dataDir());
    statistics = new Statistics();
    blockCache = new LRUCache(64L << 20);
    bloom = new BloomFilter(10);
    dbOptions =
        new DBOptions()
            .setCreateIfMissing(true)
            .setCreateMissingColumnFamilies(true)
            .setIncreaseParallelism(Math.max(2, Runtime.getRuntime().availableProcessors()))
            .setMaxBackgroundJobs(4)
            .setBytesPerSync(1 << 20)
            .setStatistics(statistics);
    cfOptions =
        new ColumnFamilyOptions()
            .setWriteBufferSize(MEMTABLE_BYTES)
            .setCompressionType(CompressionType.LZ4_COMPRESSION)
            .setTableFormatConfig(
                new BlockBasedTableConfig().setBlockCache(blockCache).setFilterPolicy(bloom));
    // A bloom filter over each memtable's keys (a tenth of its size): a read of a record that is
    // not there (a write loads every type's column family of its key's family, and only one holds
    // it) then skips the memtable's skip list, as the table files' filters skip their blocks.
    cfOptions.setMemtablePrefixBloomSizeRatio(0.1).setMemtableWholeKeyFiltering(true);
    addOperator = new UInt64AddOperator();
    merkleCfOptions =
        new ColumnFamilyOptions()
            .setMergeOperator(addOperator)
            .setWriteBufferSize(MEMTABLE_BYTES)
            .setCompressionType(CompressionType.LZ4_COMPRESSION)
            .setTableFormatConfig(
                new BlockBasedTableConfig().setBlockCache(blockCache).setFilterPolicy(bloom));
    writeOptions =
        new WriteOptions().setSync(config.durability() == io.geodatastore.storage.Durability.FSYNC);
    unsyncedWrites = new WriteOptions().setSync(false);

    List<ColumnFamilyDescriptor> descriptors = descriptors(config.dataDir());
    handles = new ArrayList<>();
    String rebuildWhy;
    db = RocksDB.open(dbOptions, config.dataDir().toString(), descriptors, handles);
    try {
      ColumnFamilyHandle meta = null;
      ColumnFamilyHandle replog = null;
      ColumnFamilyHandle leaves = null;
      ColumnFamilyHandle index = null;
      ColumnFamilyHandle conflicts = null;
      for (int i = 0; i < descriptors.size(); i++) {
        String name = new String(descriptors.get(i).getName(), StandardCharsets.UTF_8);
        CrdtType t = CrdtType.fromApiName(name);
        if (t != null) {
          typeCfs.put(t, handles.get(i));
        } else if (name.equals(CF_META)) {
          meta = handles.get(i);
        } else if (name.equals(CF_REPLOG)) {
          replog = handles.get(i);
        } else if (name.equals(CF_MERKLE)) {
          leaves = handles.get(i);
        } else if (name.equals(CF_MERKLE_KEYS)) {
          index = handles.get(i);
        } else if (name.equals(CF_CONFLICTS)) {
          conflicts = handles.get(i);
        }
      }
      metaCf = meta;
      replogCf = replog;
      merkle = new MerkleTree(db, leaves, index);
      conflictLog =
          new ConflictLog(
              db,
              conflicts,
              unsyncedWrites,
              config.conflictLogMax(),
              config.conflictLogMaxAgeMs(),
              config.wallClockMs());
      for (CrdtType t : CrdtType.values()) {
        typeStats.put(
            t,
            new LongAdder[] {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()});
      }
      replicaId = identity(config.nodeId(), reidentify);
      horizon = loadHorizon();
      long seqHigh = Math.max(metaMax(META_SEQ_PREFIX), lastLoggedSequence());
      nextSeq = new AtomicLong(seqHigh + 1);
      durable = new SequenceTracker(seqHigh);
      // Only the wall part of the last time is persisted: resume one millisecond past it, so no
      // timestamp issued before the restart can be issued again.
      long lastWallMs = metaMax(META_HLC_PREFIX);
      hlc =
          Hlc.resume(
              config.hlcMaxOffsetMs(), new HlcTimestamp(lastWallMs == 0 ? 0 : lastWallMs + 1, 0));
      Map<String, Map<ReplicaId, Long>> marks = visibleMarks();
      VersionVector visible = VersionVector.EMPTY;
      for (Map<ReplicaId, Long> m : marks.values()) {
        visible = visible.merge(VersionVector.of(m));
      }
      dependencies = new DependencyTracker(replicaId, visible);
      recountStats();
      recountLog();
      // Before any shard runs: the in-memory leaves start equal to the column family.
      rebuildWhy = openTree();
      shards = new Shard[config.shards()];
      for (int i = 0; i < shards.length; i++) {
        shards[i] =
            new Shard(
                this,
                i,
                config.cacheEntriesPerShard(),
                marks.getOrDefault(Integer.toString(i), Map.of()));
      }
    } catch (RocksDBException | RuntimeException e) {
      // A refused open (another node's directory, a newer format) must not keep the database
      // and its lock: the caller may retry or open the directory correctly in this process.
      releaseNative();
      throw e;
    }
    for (Shard s : shards) {
      s.start();
    }
    if (rebuildWhy != null) {
      startRebuild(rebuildWhy);
    }
    log.info(
        "store open: node {} replica {} at {}, {} shards, durability {}, next sequence {}",
        config.nodeId(),
        replicaId,
        config.dataDir(),
        shards.length,
        config.durability(),
        nextSeq.get());
  }

  /** Opens (creating when needed) the store in {@code config.dataDir()}. */
  public static RocksStore open(StoreConfig config) {
    return open(config, phase -> {});
  }

  /**
   * Opens with a hook told each phase of the tree's repairs ({@code "scanned"}, {@code "stale"},
   * {@code "snapshot"}), on the repairing thread: tests write there, so that writes provably
   * interleave with each phase.
   */
  static RocksStore open(StoreConfig config, Consumer<String> merkleHook) {
    try {
      return new RocksStore(config, false, merkleHook);
    } catch (RocksDBException | IOException e) {
      throw new StorageException(
          "cannot open the store at " + config.dataDir() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Starts a store from a checkpoint: copies it to {@code config.dataDir()} (which must be absent
   * or empty) and opens it under a fresh replica id, so that the restored replica can never reissue
   * dots or sequence numbers its source already issued. The source's replication log is not kept.
   */
  public static RocksStore openFromCheckpoint(Path checkpoint, StoreConfig config) {
    try {
      if (!Files.exists(checkpoint.resolve(CHECKPOINT_MARKER))) {
        throw new StorageException(checkpoint + " is not a geodatastore checkpoint");
      }
      Path target = config.dataDir();
      if (Files.exists(target)) {
        try (Stream<Path> s = Files.list(target)) {
          if (s.findAny().isPresent()) {
            throw new StorageException("cannot restore into " + target + ": it is not empty");
          }
        }
      }
      Files.createDirectories(target);
      try (Stream<Path> files = Files.list(checkpoint)) {
        for (Path f : files.toList()) {
          if (!f.getFileName().toString().equals(CHECKPOINT_MARKER)) {
            Files.copy(f, target.resolve(f.getFileName()));
          }
        }
      }
      return new RocksStore(config, true, phase -> {});
    } catch (RocksDBException | IOException e) {
      throw new StorageException("cannot restore " + checkpoint + ": " + e.getMessage(), e);
    }
  }

  private List<ColumnFamilyDescriptor> descriptors(Path dir) throws RocksDBException {
    List<String> names = new ArrayList<>();
    names.add(new String(RocksDB.DEFAULT_COLUMN_FAMILY, StandardCharsets.UTF_8));
    for (CrdtType t : CrdtType.values()) {
      names.add(t.apiName());
    }
    names.addAll(List.of(CF_META, CF_REPLOG, CF_CONFLICTS, CF_MERKLE, CF_MERKLE_KEYS));
    if (Files.exists(dir.resolve("CURRENT"))) {
      try (Options o = new Options()) {
        for (byte[] existing : RocksDB.listColumnFamilies(o, dir.toString())) {
          String n = new String(existing, StandardCharsets.UTF_8);
          if (!names.contains(n)) {
            names.add(n);
          }
        }
      }
    }
    List<ColumnFamilyDescriptor> out = new ArrayList<>();
    for (String n : names) {
      out.add(
          new ColumnFamilyDescriptor(utf8(n), n.equals(CF_MERKLE) ? merkleCfOptions : cfOptions));
    }
    return out;
  }

  private ReplicaId identity(String nodeId, boolean reidentify) throws RocksDBException {
    byte[] format = db.get(metaCf, META_FORMAT);
    if (format != null) {
      int v = ByteBuffer.wrap(format).getInt();
      if (v > META_FORMAT_VERSION) {
        throw new StorageException(
            "the data directory was written by a newer version (format " + v + "); upgrade");
      }
    }
    byte[] stored = db.get(metaCf, META_REPLICA_ID);
    byte[] storedNode = db.get(metaCf, META_NODE_ID);
    if (stored != null && !reidentify) {
      String node = storedNode == null ? "?" : new String(storedNode, StandardCharsets.UTF_8);
      if (!node.equals(nodeId)) {
        throw new StorageException(
            "data directory " + config.dataDir() + " belongs to node " + node + ", not " + nodeId);
      }
      return ReplicaId.of(new String(stored, StandardCharsets.UTF_8));
    }
    byte[] suffix = new byte[4];
    new SecureRandom().nextBytes(suffix);
    ReplicaId id = ReplicaId.of(nodeId + "." + HexFormat.of().formatHex(suffix));
    if (reidentify) {
      // The source's log entries belong to the source's replica id; drop them and its marks.
      try (RocksIterator it = db.newIterator(replogCf)) {
        it.seekToLast();
        if (it.isValid()) {
          byte[] end = Arrays.copyOf(it.key(), it.key().length + 1);
          db.deleteRange(replogCf, new byte[0], end);
        }
      }
      // The applied marks go with the cluster state that qualifies them (the ranges of other
      // origins skipped, never merged): the restored replica receives every origin's log again,
      // or is left to anti-entropy where it was trimmed.
      for (String prefix : List.of(META_SEQ_PREFIX, META_HLC_PREFIX, META_APPLIED_PREFIX)) {
        for (byte[] k : metaKeys(prefix)) {
          db.delete(metaCf, k);
        }
      }
      db.delete(metaCf, META_CLUSTER_STATE);
      log.info(
          "restored from a checkpoint of replica {}: new replica id {}",
          stored == null ? "?" : new String(stored, StandardCharsets.UTF_8),
          id);
    }
    try (WriteOptions w = new WriteOptions().setSync(true)) {
      db.put(metaCf, w, META_REPLICA_ID, utf8(id.value()));
      db.put(metaCf, w, META_NODE_ID, utf8(nodeId));
      db.put(metaCf, w, META_FORMAT, ByteBuffer.allocate(4).putInt(META_FORMAT_VERSION).array());
    }
    return id;
  }

  private List<byte[]> metaKeys(String prefix) {
    List<byte[]> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator(metaCf)) {
      for (it.seek(utf8(prefix)); it.isValid(); it.next()) {
        if (!new String(it.key(), StandardCharsets.UTF_8).startsWith(prefix)) {
          break;
        }
        out.add(it.key());
      }
    }
    return out;
  }

  private long metaMax(String prefix) throws RocksDBException {
    long max = 0;
    for (byte[] k : metaKeys(prefix)) {
      byte[] v = db.get(metaCf, k);
      if (v != null && v.length == 8) {
        max = Math.max(max, ByteBuffer.wrap(v).getLong());
      }
    }
    return max;
  }

  /** The persisted visible marks, by tag (a shard's index, or {@code n}) and origin. */
  private Map<String, Map<ReplicaId, Long>> visibleMarks() throws RocksDBException {
    Map<String, Map<ReplicaId, Long>> out = new java.util.TreeMap<>();
    for (byte[] k : metaKeys(META_VISIBLE_PREFIX)) {
      String rest = new String(k, StandardCharsets.UTF_8).substring(META_VISIBLE_PREFIX.length());
      int dot = rest.indexOf('.');
      byte[] v = db.get(metaCf, k);
      ReplicaId origin;
      try {
        origin = ReplicaId.of(rest.substring(dot + 1));
      } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
        origin = null;
      }
      if (dot < 1 || origin == null || v == null || v.length != 8) {
        log.warn("ignoring a malformed visible mark {}", rest);
        continue;
      }
      out.computeIfAbsent(rest.substring(0, dot), t -> new java.util.TreeMap<>())
          .put(origin, ByteBuffer.wrap(v).getLong());
    }
    return out;
  }

  static byte[] visibleKey(String tag, ReplicaId origin) {
    return utf8(META_VISIBLE_PREFIX + tag + "." + origin.value());
  }

  private long lastLoggedSequence() {
    byte[] prefix = LogEntryCodec.keyPrefix(replicaId);
    try (RocksIterator it = db.newIterator(replogCf)) {
      it.seekForPrev(LogEntryCodec.key(replicaId, Long.MAX_VALUE));
      if (it.isValid() && startsWith(it.key(), prefix)) {
        try {
          return LogEntryCodec.decodeKey(it.key()).counter();
        } catch (CorruptRecordException e) {
          log.warn("unreadable replication-log key at open: {}", e.getMessage());
        }
      }
    }
    return 0;
  }

  // ---- Store: writes ----

  private Shard shardFor(KeyRef key) {
    int h = key.name().hashCode() * 31 + key.family().ordinal();
    return shards[Math.floorMod(h, shards.length)];
  }

  private <T> CompletableFuture<T> submit(Shard.Task<T> task) {
    if (closed || !shardFor(task.key()).submit(task)) {
      task.fail(new IllegalStateException("the store is closed"));
    }
    return task.done;
  }

  @Override
  public CompletableFuture<WriteResult> write(KeyRef key, Operation op) {
    return submitWrite(key, op, null);
  }

  @Override
  public CompletableFuture<WriteResult> write(KeyRef key, Operation op, Executor completer) {
    return submitWrite(key, op, Objects.requireNonNull(completer, "completer"));
  }

  private CompletableFuture<WriteResult> submitWrite(KeyRef key, Operation op, Executor completer) {
    if (op.family() != key.family()) {
      throw new IllegalArgumentException(op + " is not an operation on " + key.family().apiName());
    }
    return submit(new Shard.WriteTask(this, key, op, completer));
  }

  @Override
  public void onLogDurable(Runnable listener) {
    logDurable = listener;
  }

  @Override
  public CompletableFuture<WriteResult> delete(KeyRef key) {
    return submit(new Shard.DeleteTask(this, key, null));
  }

  @Override
  public CompletableFuture<WriteResult> delete(KeyRef key, Executor completer) {
    return submit(new Shard.DeleteTask(this, key, Objects.requireNonNull(completer, "completer")));
  }

  @Override
  public CompletableFuture<MergeResult> merge(LogEntry entry) {
    // Visible before the shard can apply it: a write that could see its effect depends on it.
    dependencies.raise(entry.id().replica(), entry.id().counter());
    Shard.MergeTask t = new Shard.MergeTask(this, entry.key(), entry.toRecord(), entry.id());
    return submit(t);
  }

  @Override
  public CompletableFuture<MergeResult> mergeRecord(KeyRef key, KeyRecord record) {
    if (record.type().family() != key.family()) {
      throw new IllegalArgumentException(record.type() + " is not a type of " + key.family());
    }
    Shard.MergeTask t = new Shard.MergeTask(this, key, record, null);
    return submit(t);
  }

  @Override
  public void noteVisible(VersionVector covers) {
    // Under one lock, so the marks written never go down; unsynced, but ahead of the merges that
    // follow in the write-ahead log, so no crash keeps those merges and loses the marks.
    synchronized (noteLock) {
      VersionVector risen = dependencies.note(covers);
      for (int i = 0; i < risen.size(); i++) {
        try {
          db.put(
              metaCf,
              unsyncedWrites,
              visibleKey(VISIBLE_NOTED, risen.replicaAt(i)),
              ByteBuffer.allocate(8).putLong(risen.counterAt(i)).array());
        } catch (RocksDBException e) {
          throw new StorageException("write of a visible mark failed: " + e.getMessage(), e);
        }
      }
    }
  }

  @Override
  public VersionVector visible() {
    return dependencies.visible().with(replicaId, nextSeq.get() - 1);
  }

  // ---- Store: reads ----

  /**
   * Reads a key's record from every column family of its family, with the hash the anti-entropy
   * tree holds for it: what a shard needs before changing the key.
   */
  Slot loadSlot(KeyRef key) {
    return loadSlot(key, true);
  }

  /**
   * Reads a key's record from every column family of its family; resolves and reports. With {@code
   * forWrite}, also the tree's hash of it (else 0): the hash of the winning stored bytes, or for a
   * quarantined key the one its index entry holds (one more read, on that rare path only).
   */
  private Slot loadSlot(KeyRef key, boolean forWrite) {
    return loadSlot(key, forWrite, readDefaults);
  }

  /**
   * {@link #loadSlot(KeyRef, boolean)} reading with {@code reads}; null when they are {@link
   * #memoryOnly} and the record is not all in the memtables and the block cache.
   */
  private Slot loadSlot(KeyRef key, boolean forWrite, ReadOptions reads) {
    QuarantinedKey q = quarantine.get(key);
    if (q != null) {
      return Slot.corrupt(key, q.reason(), forWrite ? merkle.indexed(key) : 0);
    }
    byte[] name = key.nameBytes();
    KeyRecord best = null;
    byte[] bestValue = null;
    List<CrdtType> found = new ArrayList<>();
    for (CrdtType t : CrdtType.values()) {
      if (t.family() != key.family()) {
        continue;
      }
      byte[] v;
      try {
        v = db.get(typeCfs.get(t), reads, name);
      } catch (RocksDBException e) {
        if (reads == memoryOnly
            && e.getStatus() != null
            && e.getStatus().getCode() == Status.Code.Incomplete) {
          return null; // it would have to read a file
        }
        throw new StorageException("read of " + key + " failed: " + e.getMessage(), e);
      }
      if (v == null) {
        continue;
      }
      KeyRecord r;
      try {
        r = RecordCodec.decode(v);
      } catch (CorruptRecordException e) {
        quarantine(key, e.getMessage());
        return Slot.corrupt(key, e.getMessage(), forWrite ? merkle.indexed(key) : 0);
      }
      found.add(t);
      KeyRecord merged = KeyRecord.merge(best, r).record();
      if (merged != best) {
        best = merged;
        bestValue = v;
      }
    }
    if (best == null) {
      return Slot.absent(key);
    }
    final CrdtType winner = best.type();
    List<CrdtType> strays = found.stream().filter(t -> t != winner).toList();
    long hash = forWrite ? Merkle.keyHash(key, bestValue) : 0;
    return new Slot(key, best, bestValue.length, null, strays, hash);
  }

  private void quarantine(KeyRef key, String reason) {
    QuarantinedKey q = new QuarantinedKey(key, reason, System.currentTimeMillis());
    if (quarantine.putIfAbsent(key, q) == null) {
      quarantinedTotal.incrementAndGet();
      log.warn("key {} quarantined until anti-entropy repairs it: {}", key, reason);
    }
  }

  void repaired(KeyRef key) {
    if (quarantine.remove(key) != null) {
      log.info("key {} repaired from a full state; quarantine lifted", key);
    }
  }

  @Override
  public ReadResult read(KeyRef key) {
    return result(key, loadSlot(key, false));
  }

  @Override
  public ReadResult readInMemory(KeyRef key) {
    Slot s = loadSlot(key, false, memoryOnly);
    return s == null ? null : result(key, s);
  }

  private ReadResult result(KeyRef key, Slot s) {
    if (s.corrupt() != null) {
      return new ReadResult.Quarantined(key, s.corrupt());
    }
    KeyRecord r = s.record() == null ? null : s.record().normalize(horizon);
    if (r == null || !r.live()) {
      return new ReadResult.NotFound(key);
    }
    return new ReadResult.Found(key, r.type(), r.state(), r.epoch());
  }

  @Override
  public KeyRecord readRecord(KeyRef key) throws CorruptRecordException {
    Slot s = loadSlot(key, false);
    if (s.corrupt() != null) {
      throw new CorruptRecordException(s.corrupt());
    }
    return s.record();
  }

  @Override
  public List<KeyListing> list(Family family, String prefix, String after, int limit) {
    if (limit < 1) {
      return List.of();
    }
    // Gather up to `limit` live names per type of the family, then merge by name.
    List<KeyListing> all = new ArrayList<>();
    for (CrdtType t : CrdtType.values()) {
      if (t.family() != family) {
        continue;
      }
      try (RocksIterator it = db.newIterator(typeCfs.get(t))) {
        byte[] start = utf8(after != null && after.compareTo(prefix) >= 0 ? after : prefix);
        int n = 0;
        for (it.seek(start); it.isValid() && n < limit; it.next()) {
          String name = new String(it.key(), StandardCharsets.UTF_8);
          if (!name.startsWith(prefix)) {
            break;
          }
          if (after != null && name.compareTo(after) <= 0) {
            continue;
          }
          byte[] v = it.value();
          if (v.length > 1 && (v[1] & 1) != 0) {
            all.add(new KeyListing(name, t));
            n++;
          }
        }
      }
    }
    all.sort((a, b) -> a.name().compareTo(b.name()));
    List<KeyListing> out = new ArrayList<>();
    for (KeyListing k : all) {
      if (out.isEmpty() || !out.get(out.size() - 1).name().equals(k.name())) {
        out.add(k);
      }
      if (out.size() == limit) {
        break;
      }
    }
    return out;
  }

  // ---- replication log ----

  @Override
  public long lastSequence() {
    return durable.watermark();
  }

  @Override
  public List<LogEntry> readLog(ReplicaId origin, long fromSeq, int maxEntries, long maxBytes) {
    List<StoredLogEntry> stored = readLogStored(origin, fromSeq, maxEntries, maxBytes);
    List<LogEntry> out = new ArrayList<>(stored.size());
    for (StoredLogEntry e : stored) {
      out.add(e.entry());
    }
    return out;
  }

  @Override
  public List<StoredLogEntry> readLogStored(
      ReplicaId origin, long fromSeq, int maxEntries, long maxBytes) {
    List<StoredLogEntry> out = new ArrayList<>();
    boolean own = origin.equals(replicaId);
    long limit = own ? durable.watermark() : Long.MAX_VALUE;
    long seq = Math.max(1, fromSeq);
    long bytes = 0;
    if (own) {
      // The entries just written are in the tail; below the floor they were trimmed.
      seq = Math.max(seq, logFloor(origin));
      while (out.size() < maxEntries && bytes < maxBytes && seq <= limit) {
        StoredLogEntry e = tail.get(seq);
        if (e == null) {
          break;
        }
        out.add(e);
        bytes += e.bytes().length;
        seq++;
      }
      if (out.size() == maxEntries || bytes >= maxBytes || seq > limit) {
        return out;
      }
    }
    byte[] prefix = LogEntryCodec.keyPrefix(origin);
    try (RocksIterator it = db.newIterator(replogCf)) {
      for (it.seek(LogEntryCodec.key(origin, seq));
          it.isValid() && out.size() < maxEntries && bytes < maxBytes;
          it.next()) {
        if (!startsWith(it.key(), prefix)) {
          break;
        }
        try {
          var id = LogEntryCodec.decodeKey(it.key());
          if (id.counter() > limit) {
            break;
          }
          byte[] v = it.value();
          out.add(new StoredLogEntry(LogEntryCodec.decode(id, v), v));
          bytes += v.length;
        } catch (CorruptRecordException e) {
          log.warn("skipping a corrupt replication-log entry of {}: {}", origin, e.getMessage());
        }
      }
    }
    return out;
  }

  @Override
  public long firstRetainedSequence(ReplicaId origin) {
    byte[] prefix = LogEntryCodec.keyPrefix(origin);
    try (RocksIterator it = db.newIterator(replogCf)) {
      for (it.seek(LogEntryCodec.key(origin, logFloor(origin))); it.isValid(); it.next()) {
        if (!startsWith(it.key(), prefix)) {
          return 0;
        }
        try {
          long first = LogEntryCodec.decodeKey(it.key()).counter();
          raiseLogFloor(origin, first);
          return first;
        } catch (CorruptRecordException e) {
          log.warn("unreadable replication-log key of {}: {}", origin, e.getMessage());
        }
      }
    }
    return 0;
  }

  private long logFloor(ReplicaId origin) {
    return logFloor.getOrDefault(origin, 0L);
  }

  private void raiseLogFloor(ReplicaId origin, long seq) {
    logFloor.merge(origin, seq, Math::max);
  }

  @Override
  public long applied(ReplicaId origin) {
    try {
      byte[] v = db.get(metaCf, appliedKey(origin));
      return v != null && v.length == 8 ? ByteBuffer.wrap(v).getLong() : 0;
    } catch (RocksDBException e) {
      throw new StorageException("read of the applied mark of " + origin + " failed", e);
    }
  }

  @Override
  public void recordApplied(ReplicaId origin, long seq) {
    try {
      db.put(
          metaCf, unsyncedWrites, appliedKey(origin), ByteBuffer.allocate(8).putLong(seq).array());
    } catch (RocksDBException e) {
      throw new StorageException("write of the applied mark of " + origin + " failed", e);
    }
  }

  private static final String META_PEER_ACK_PREFIX = "peer_ack.";

  @Override
  public Map<String, Long> peerAcks() {
    Map<String, Long> out = new java.util.TreeMap<>();
    for (byte[] k : metaKeys(META_PEER_ACK_PREFIX)) {
      try {
        byte[] v = db.get(metaCf, k);
        if (v != null && v.length == 8) {
          out.put(
              new String(k, StandardCharsets.UTF_8).substring(META_PEER_ACK_PREFIX.length()),
              ByteBuffer.wrap(v).getLong());
        }
      } catch (RocksDBException e) {
        throw new StorageException("read of the peer acknowledgements failed", e);
      }
    }
    return out;
  }

  @Override
  public void recordPeerAcks(Map<String, Long> acks) {
    try (org.rocksdb.WriteBatch b = new org.rocksdb.WriteBatch()) {
      for (byte[] k : metaKeys(META_PEER_ACK_PREFIX)) {
        b.delete(metaCf, k);
      }
      for (Map.Entry<String, Long> e : acks.entrySet()) {
        b.put(
            metaCf,
            utf8(META_PEER_ACK_PREFIX + e.getKey()),
            ByteBuffer.allocate(8).putLong(e.getValue()).array());
      }
      db.write(unsyncedWrites, b);
    } catch (RocksDBException e) {
      throw new StorageException("write of the peer acknowledgements failed", e);
    }
  }

  private static byte[] appliedKey(ReplicaId origin) {
    return utf8(META_APPLIED_PREFIX + origin.value());
  }

  /**
   * Deletes the entries one by one, not as a range: a range deletion made every iterator of the log
   * opened after it rebuild the memtable's list of them (milliseconds each, on the replication
   * thread, once a few thousand trims had piled up in a memtable that an idle node never flushes),
   * whereas a point deletion meets its entry in the memtable and the two vanish at its flush. Seeks
   * start at the floor, so they never step over the deleted keys.
   */
  @Override
  public long trimLog(ReplicaId origin, long throughSeq) {
    byte[] end = LogEntryCodec.key(origin, throughSeq + 1);
    long n = 0;
    long bytes = 0;
    try (RocksIterator it = db.newIterator(replogCf);
        org.rocksdb.WriteBatch deletes = new org.rocksdb.WriteBatch()) {
      // From the floor: what is below it was trimmed (and counted) before.
      for (it.seek(LogEntryCodec.key(origin, logFloor(origin)));
          it.isValid() && Arrays.compareUnsigned(it.key(), end) < 0;
          it.next()) {
        deletes.delete(replogCf, it.key());
        n++;
        bytes += it.value().length;
      }
      if (n == 0) {
        return 0;
      }
      db.write(unsyncedWrites, deletes);
    } catch (RocksDBException e) {
      throw new StorageException("trim of the replication log failed: " + e.getMessage(), e);
    }
    raiseLogFloor(origin, throughSeq + 1);
    logEntries.addAndGet(-n);
    logBytes.addAndGet(-bytes);
    return n;
  }

  // ---- the anti-entropy tree ----

  @Override
  public long[] merkleBranches() {
    return merkle.branches();
  }

  @Override
  public long[] merkleLeaves(int branch) {
    return merkle.leaves(branch);
  }

  /** Bytes the shared block cache holds now (tests: whether a scan filled it). */
  long blockCacheUsage() {
    return blockCache.getUsage();
  }

  @Override
  public MerklePage merkleKeys(int fromLeaf, int toLeaf, int maxKeys) {
    return merkle.keys(fromLeaf, toLeaf, maxKeys);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Writes go on meanwhile. It waits for a running rebuild (which fixes every leaf anyway), so
   * it never "fixes" leaves against an index the rebuild has not finished correcting.
   */
  @Override
  public int verifyMerkle() {
    merkleRepair.acquireUninterruptibly();
    MerkleTree.Fixed f;
    try {
      if (closed) {
        throw new IllegalStateException("the store is closed");
      }
      f = merkle.fixLeaves(() -> closed, merkleHook);
    } catch (RocksDBException e) {
      throw new StorageException("verification of the anti-entropy tree failed: " + e, e);
    } finally {
      merkleRepair.release();
    }
    // How many leaves were fixed is the caller's to log (with its context) and the metric's.
    if (f.unreadableEntries() > 0) {
      // An entry no write can correct (a damaged key or value): only a rebuild repairs it.
      startRebuild(f.unreadableEntries() + " unreadable entries in the tree's key index");
    }
    return f.leaves();
  }

  /** Leaves found wrong and fixed since open (by {@link #verifyMerkle} and rebuilds). */
  public long merkleLeavesFixed() {
    return merkle.leavesFixed();
  }

  /** Rebuilds of the anti-entropy tree completed since open. */
  public long merkleRebuilds() {
    return merkleRebuilds.get();
  }

  /**
   * Loads the tree at open; returns why it must be rebuilt, or null. A fresh store gets the marker
   * at once: its empty tree is exact.
   */
  private String openTree() throws RocksDBException {
    boolean wellFormed = merkle.load();
    byte[] marker = db.get(metaCf, META_MERKLE_FORMAT);
    if (marker == null) {
      if (!anyRecords() && merkle.isEmpty()) {
        putMerkleMarker();
        return null;
      }
      return "no complete tree: a directory from before it, or a rebuild cut short";
    }
    int v = marker.length == 4 ? ByteBuffer.wrap(marker).getInt() : -1;
    if (v != MERKLE_FORMAT_VERSION) {
      return "tree format " + v + " is not " + MERKLE_FORMAT_VERSION;
    }
    return wellFormed ? null : "malformed leaves";
  }

  private boolean anyRecords() {
    for (ColumnFamilyHandle cf : typeCfs.values()) {
      try (RocksIterator it = db.newIterator(cf)) {
        it.seekToFirst();
        if (it.isValid()) {
          return true;
        }
      }
    }
    return false;
  }

  private void putMerkleMarker() throws RocksDBException {
    try (WriteOptions w = new WriteOptions().setSync(true)) {
      db.put(
          metaCf,
          w,
          META_MERKLE_FORMAT,
          ByteBuffer.allocate(4).putInt(MERKLE_FORMAT_VERSION).array());
    }
  }

  /** Starts a background rebuild of the tree, unless one is running or the store is closing. */
  private synchronized void startRebuild(String why) {
    if (closed || !rebuilding.isDone()) {
      return;
    }
    merkleRepair.acquireUninterruptibly(); // released by the rebuild's thread when done
    CompletableFuture<Void> done = new CompletableFuture<>();
    rebuilding = done;
    rebuildThread = new Thread(() -> rebuild(why, done), "geods-merkle-rebuild");
    rebuildThread.setDaemon(true);
    rebuildThread.start();
  }

  /**
   * Rebuilds the tree while writes go on. First every key's index entry is made to match its stored
   * bytes, by a task on the key's shard (serialised with the key's writes): for every record whose
   * entry differs, then for every entry whose record is gone. From then on each write's {@code
   * oldHash} is the entry it replaces, so {@link MerkleTree#fixLeaves} can make the leaves exact
   * under a snapshot. The marker is removed first and written last, so an interrupted rebuild
   * reruns at the next open.
   */
  private void rebuild(String why, CompletableFuture<Void> done) {
    long t0 = System.nanoTime();
    log.info("anti-entropy tree rebuild started: {}", why);
    try {
      try (WriteOptions w = new WriteOptions().setSync(true)) {
        db.delete(metaCf, w, META_MERKLE_FORMAT);
      }
      long[] records = reindexRecords();
      merkleHook.accept("scanned");
      long[] stale = reindexStaleEntries();
      merkleHook.accept("stale");
      if (closed) {
        throw new IllegalStateException("the store is closing");
      }
      MerkleTree.Fixed f = merkle.fixLeaves(() -> closed, merkleHook);
      if (closed) {
        throw new IllegalStateException("the store is closing");
      }
      putMerkleMarker();
      merkleRebuilds.incrementAndGet();
      log.info(
          "anti-entropy tree rebuilt in {} ms: {} records scanned, {} index entries fixed, {}"
              + " entries scanned, {} stale entries removed, {} leaves fixed",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
          records[0],
          records[1],
          stale[0],
          stale[1],
          f.leaves());
      done.complete(null);
    } catch (RocksDBException | RuntimeException e) {
      if (closed) {
        log.info("anti-entropy tree rebuild stopped by close; it reruns at the next open");
      } else {
        log.error("anti-entropy tree rebuild failed; it reruns at the next open", e);
      }
      done.completeExceptionally(e);
    } finally {
      merkleRepair.release();
    }
  }

  /** Phase 1: reindexes every record whose entry differs. Returns {scanned, fixed}. */
  private long[] reindexRecords() {
    long scanned = 0;
    long fixed = 0;
    List<CompletableFuture<Boolean>> inFlight = new ArrayList<>();
    for (CrdtType t : CrdtType.values()) {
      try (RocksIterator it = db.newIterator(typeCfs.get(t), wholeScans)) {
        for (it.seekToFirst(); it.isValid() && !closed; it.next()) {
          KeyRef key = new KeyRef(t.family(), new String(it.key(), StandardCharsets.UTF_8));
          scanned++;
          // A cheap look first: most entries are right (all but those a fault or old code left).
          if (!merkle.indexHolds(key, Merkle.keyHash(key, it.value()))) {
            inFlight.add(submit(new Shard.ReindexTask(key)));
            if (inFlight.size() >= REBUILD_IN_FLIGHT_MAX) {
              fixed += drain(inFlight);
            }
          }
        }
      }
    }
    return new long[] {scanned, fixed + drain(inFlight)};
  }

  /** Phase 2: removes entries whose record is gone, and damaged ones. Returns {scanned, fixed}. */
  private long[] reindexStaleEntries() throws RocksDBException {
    long scanned = 0;
    long fixed = 0;
    List<CompletableFuture<Boolean>> inFlight = new ArrayList<>();
    try (RocksIterator it = db.newIterator(merkle.keysCf(), wholeScans)) {
      for (it.seekToFirst(); it.isValid() && !closed; it.next()) {
        scanned++;
        KeyRef key = MerkleTree.keyOf(it.key());
        if (key == null) {
          // No key's entry, so no shard's: no write ever touches it.
          try (WriteOptions w = new WriteOptions()) {
            db.delete(merkle.keysCf(), w, it.key());
          }
          fixed++;
        } else if (it.value().length != 8 || !recordExists(key)) {
          inFlight.add(submit(new Shard.ReindexTask(key)));
          if (inFlight.size() >= REBUILD_IN_FLIGHT_MAX) {
            fixed += drain(inFlight);
          }
        }
      }
    }
    return new long[] {scanned, fixed + drain(inFlight)};
  }

  private boolean recordExists(KeyRef key) throws RocksDBException {
    byte[] name = key.nameBytes();
    for (CrdtType t : CrdtType.values()) {
      if (t.family() == key.family() && db.get(typeCfs.get(t), name) != null) {
        return true;
      }
    }
    return false;
  }

  private static long drain(List<CompletableFuture<Boolean>> inFlight) {
    long changed = 0;
    for (CompletableFuture<Boolean> f : inFlight) {
      if (f.join()) {
        changed++;
      }
    }
    inFlight.clear();
    return changed;
  }

  /** Test hook: the running (or last) rebuild of the tree; completed when there was none. */
  CompletableFuture<Void> merkleRebuild() {
    return rebuilding;
  }

  /** Test hook: whether {@link #close} has begun. */
  boolean isClosed() {
    return closed;
  }

  /** Test hook: the tree's leaves as the column family holds them. */
  long[] persistedMerkleLeaves() {
    return merkle.persistedLeaves();
  }

  /** Test hook: forgets the tree and its marker, as a directory from before the tree looks. */
  void dropMerkleForTest() throws RocksDBException {
    merkle.clear();
    try (WriteOptions w = new WriteOptions().setSync(true)) {
      db.delete(metaCf, w, META_MERKLE_FORMAT);
    }
  }

  /** Test hook: adds {@code delta} to one leaf, in memory and on disk, as a fault would. */
  void damageMerkleLeafForTest(int leaf, long delta) throws RocksDBException {
    merkle.damage(leaf, delta);
  }

  // ---- GC, checkpoint, stats ----

  /**
   * {@inheritDoc}
   *
   * <p>Scans every type's column family on the calling thread (call it off any latency-sensitive
   * thread) and hands each collectable key to its shard, at most {@value #GC_PENDING_MAX} at a
   * time, so collection interleaves with writes instead of stalling them.
   */
  @Override
  public GcResult gc(VersionVector newHorizon) {
    maintenance.lock();
    try {
      if (closed) {
        return new GcResult(0, 0, 0);
      }
      return collect(newHorizon);
    } finally {
      maintenance.unlock();
    }
  }

  private GcResult collect(VersionVector newHorizon) {
    raiseHorizon(newHorizon);
    VersionVector h = horizon;
    gcRuns.incrementAndGet();
    List<CompletableFuture<long[]>> pending = new ArrayList<>();
    long[] sum = new long[3];
    for (CrdtType t : CrdtType.values()) {
      try (RocksIterator it = db.newIterator(typeCfs.get(t), wholeScans)) {
        for (it.seekToFirst(); it.isValid() && !closed; it.next()) {
          byte[] v = it.value();
          if (v.length < 2 || (v[1] & 4) == 0) {
            continue; // no epoch dot: nothing to reclaim
          }
          KeyRef key = new KeyRef(t.family(), new String(it.key(), StandardCharsets.UTF_8));
          try {
            KeyRecord r = RecordCodec.decode(v);
            if (r.normalize(h) != r) {
              pending.add(submit(new Shard.NormalizeTask(key, h)));
              if (pending.size() >= GC_PENDING_MAX) {
                sumInto(pending, sum);
              }
            }
          } catch (CorruptRecordException e) {
            quarantine(key, e.getMessage());
          }
        }
      }
    }
    sumInto(pending, sum);
    tombstonesReclaimed.addAndGet(sum[0]);
    epochsForgotten.addAndGet(sum[1]);
    bytesReclaimed.addAndGet(sum[2]);
    if (sum[0] + sum[1] > 0) {
      log.info(
          "gc under horizon {}: {} tombstones dropped, {} epochs forgotten, {} bytes reclaimed",
          h,
          sum[0],
          sum[1],
          sum[2]);
    }
    return new GcResult(sum[0], sum[1], sum[2]);
  }

  /** The most keys one collection hands to the shards before it waits for them. */
  static final int GC_PENDING_MAX = 4_096;

  private static void sumInto(List<CompletableFuture<long[]>> pending, long[] sum) {
    for (CompletableFuture<long[]> f : pending) {
      long[] r;
      try {
        r = f.join();
      } catch (java.util.concurrent.CompletionException e) {
        log.warn("gc of a key failed: {}", e.getCause() == null ? e : e.getCause().toString());
        continue;
      }
      for (int i = 0; i < 3; i++) {
        sum[i] += r[i];
      }
    }
    pending.clear();
  }

  /** Compacts every type's column family now (benchmarks and operators); blocks until done. */
  public void compactRecords() {
    maintenance.lock();
    try {
      if (closed) {
        return;
      }
      try (org.rocksdb.FlushOptions flush = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
        for (ColumnFamilyHandle h : typeCfs.values()) {
          db.flush(flush, h);
          db.compactRange(h);
        }
      }
    } catch (RocksDBException e) {
      throw new StorageException("compaction failed: " + e.getMessage(), e);
    } finally {
      maintenance.unlock();
    }
  }

  /** Bytes the type column families take: their table files plus their memtables. */
  public long recordBytesOnDisk() {
    long total = 0;
    try {
      for (ColumnFamilyHandle h : typeCfs.values()) {
        total += db.getLongProperty(h, "rocksdb.total-sst-files-size");
        total += db.getLongProperty(h, "rocksdb.cur-size-all-mem-tables");
      }
    } catch (RocksDBException e) {
      throw new StorageException("reading the store's size failed: " + e.getMessage(), e);
    }
    return total;
  }

  @Override
  public VersionVector horizon() {
    return horizon;
  }

  @Override
  public void raiseHorizon(VersionVector h) {
    synchronized (horizonLock) {
      VersionVector next = horizon.merge(h);
      if (next.equals(horizon)) {
        return;
      }
      try {
        db.put(metaCf, unsyncedWrites, META_HORIZON, VersionVectorCodec.encode(next));
      } catch (RocksDBException e) {
        throw new StorageException("write of the horizon failed: " + e.getMessage(), e);
      }
      horizon = next;
    }
  }

  private VersionVector loadHorizon() throws RocksDBException {
    byte[] v = db.get(metaCf, META_HORIZON);
    if (v == null) {
      return VersionVector.EMPTY;
    }
    try {
      return VersionVectorCodec.decodeVersionVector(v);
    } catch (WireFormatException e) {
      throw new StorageException("the stored horizon is unreadable: " + e.getMessage(), e);
    }
  }

  @Override
  public byte[] clusterState() {
    try {
      return db.get(metaCf, META_CLUSTER_STATE);
    } catch (RocksDBException e) {
      throw new StorageException("read of the cluster state failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void recordClusterState(byte[] state) {
    try {
      db.put(metaCf, unsyncedWrites, META_CLUSTER_STATE, state);
    } catch (RocksDBException e) {
      throw new StorageException("write of the cluster state failed: " + e.getMessage(), e);
    }
  }

  @Override
  public List<ConflictRecord> conflicts(Family family, String name, int limit) {
    return limit < 1 ? List.of() : conflictLog.recent(family, name, limit);
  }

  @Override
  public long expireConflicts() {
    maintenance.lock();
    try {
      return closed ? 0 : conflictLog.expire();
    } finally {
      maintenance.unlock();
    }
  }

  /** Entries in the conflict log now. */
  public long conflictLogSize() {
    return conflictLog.size();
  }

  ConflictLog conflictLog() {
    return conflictLog;
  }

  @Override
  public void checkpoint(Path dir) {
    try (Checkpoint cp = Checkpoint.create(db)) {
      cp.createCheckpoint(dir.toString());
      Files.writeString(dir.resolve(CHECKPOINT_MARKER), replicaId.value() + "\n");
      log.info("checkpoint of replica {} written to {}", replicaId, dir);
    } catch (RocksDBException | IOException e) {
      throw new StorageException("checkpoint to " + dir + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public StorageStats stats() {
    if (statsDirty) {
      recountStats();
    }
    Map<CrdtType, StorageStats.TypeStats> types = new EnumMap<>(CrdtType.class);
    typeStats.forEach(
        (t, a) ->
            types.put(
                t, new StorageStats.TypeStats(a[0].sum(), a[1].sum(), a[2].sum(), a[3].sum())));
    return new StorageStats(
        types,
        tombstonesReclaimed.get(),
        bytesReclaimed.get(),
        logEntries.get(),
        logBytes.get(),
        durable.watermark(),
        quarantine.size(),
        epochsForgotten.get(),
        gcRuns.get());
  }

  /** Keys quarantined since open, including those repaired since. */
  public long quarantinedTotal() {
    return quarantinedTotal.get();
  }

  /** Received timestamps clamped by the HLC's max-offset guard since open. */
  public long hlcClamps() {
    return hlcClamps.get();
  }

  /** RocksDB's own statistics (tickers and histograms), for metrics. */
  public Statistics rocksStatistics() {
    return statistics;
  }

  @Override
  public List<QuarantinedKey> quarantined() {
    return List.copyOf(quarantine.values());
  }

  private void recountStats() {
    statsDirty = false;
    typeStats.values().forEach(a -> Arrays.stream(a).forEach(LongAdder::reset));
    for (CrdtType t : CrdtType.values()) {
      try (RocksIterator it = db.newIterator(typeCfs.get(t), wholeScans)) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          KeyRef key = new KeyRef(t.family(), new String(it.key(), StandardCharsets.UTF_8));
          byte[] v = it.value();
          try {
            statsChanged(null, new Slot(key, RecordCodec.decode(v), v.length, null, List.of(), 0));
          } catch (CorruptRecordException e) {
            quarantine(key, e.getMessage());
          }
        }
      }
    }
  }

  private void recountLog() {
    long n = 0;
    long bytes = 0;
    try (RocksIterator it = db.newIterator(replogCf)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        n++;
        bytes += it.value().length;
      }
    }
    logEntries.set(n);
    logBytes.set(bytes);
  }

  void statsChanged(Slot before, Slot after) {
    account(before, -1);
    account(after, 1);
  }

  private void account(Slot s, int sign) {
    if (s == null || s.record() == null) {
      return;
    }
    LongAdder[] a = typeStats.get(s.record().type());
    int keyBytes = s.key().nameBytes().length;
    long payload = keyBytes + Payload.bytes(s.record().state());
    long stored = keyBytes + (long) s.storedBytes();
    a[s.record().live() ? 0 : 1].add(sign);
    a[2].add(sign * payload);
    a[3].add(sign * (stored - payload));
  }

  void statsInvalidated() {
    statsDirty = true;
  }

  /** A shard's batch made entries of this replica's log durable. */
  void logDurable() {
    try {
      logDurable.run();
    } catch (RuntimeException e) {
      // The shard thread must go on: the entries are durable and the next batch tells again.
      log.error("store {}: the log-durable listener failed", config.nodeId(), e);
    }
  }

  /** An entry of this replica's log was written (its batch is on disk). */
  void logWritten(StoredLogEntry e) {
    tail.put(e);
  }

  void logAppended(int bytes) {
    logEntries.incrementAndGet();
    logBytes.addAndGet(bytes);
  }

  // ---- services for shards ----

  StoreConfig config() {
    return config;
  }

  RocksDB db() {
    return db;
  }

  MerkleTree merkle() {
    return merkle;
  }

  WriteOptions writeOptions() {
    return writeOptions;
  }

  ColumnFamilyHandle cf(CrdtType t) {
    return typeCfs.get(t);
  }

  ColumnFamilyHandle replogCf() {
    return replogCf;
  }

  /** The sequencer a batch holds from its first allocated sequence number until it is written. */
  ReentrantLock sequencer() {
    return sequencer;
  }

  long allocateSequence() {
    if (!sequencer.isHeldByCurrentThread()) {
      throw new IllegalStateException("sequence numbers are allocated under the sequencer");
    }
    return nextSeq.getAndIncrement();
  }

  /** Hands back the last allocated sequence (the caller holds the sequencer). */
  void releaseSequence(long seq) {
    nextSeq.compareAndSet(seq + 1, seq);
  }

  /** What this replica's writes depend on. */
  DependencyTracker dependencies() {
    return dependencies;
  }

  /** The store's hybrid logical clock, for {@link KeyOps}. */
  KeyOps.Clock clock() {
    return clock;
  }

  private final KeyOps.Clock clock =
      new KeyOps.Clock() {
        @Override
        public void receive(HlcTimestamp seen) {
          RocksStore.this.receive(seen);
        }

        @Override
        public HlcTimestamp tick() {
          return RocksStore.this.tick();
        }
      };

  void sequenceDurable(long seq) {
    durable.completed(seq);
  }

  HlcTimestamp tick() {
    synchronized (clockLock) {
      hlc = hlc.tick(config.wallClockMs().getAsLong());
      return hlc.timestamp();
    }
  }

  void receive(HlcTimestamp remote) {
    synchronized (clockLock) {
      Hlc.Receipt r = hlc.receive(remote, config.wallClockMs().getAsLong());
      hlc = r.clock();
      if (r.clamped() && hlcClamps.getAndIncrement() % 1000 == 0) {
        log.warn(
            "received a timestamp {} ms ahead of this node's clock; clamped to the max offset of {} ms",
            r.aheadMs(),
            config.hlcMaxOffsetMs());
      }
    }
  }

  /** Adds the shard's sequence, clock and visible high-water marks to its batch. */
  void metaPut(Shard.Batch b, int shard) throws RocksDBException {
    for (Map.Entry<ReplicaId, Long> e : b.visibleMarks.entrySet()) {
      b.writes.put(
          metaCf,
          visibleKey(Integer.toString(shard), e.getKey()),
          ByteBuffer.allocate(8).putLong(e.getValue()).array());
    }
    if (!b.sequences.isEmpty()) {
      long max = b.sequences.stream().mapToLong(Long::longValue).max().orElseThrow();
      b.writes.put(
          metaCf, utf8(META_SEQ_PREFIX + shard), ByteBuffer.allocate(8).putLong(max).array());
    }
    if (b.lastTime != null) {
      b.writes.put(
          metaCf,
          utf8(META_HLC_PREFIX + shard),
          ByteBuffer.allocate(8).putLong(b.lastTime.wallMs()).array());
    }
  }

  @Override
  public ReplicaId replicaId() {
    return replicaId;
  }

  @Override
  public String nodeId() {
    return config.nodeId();
  }

  @Override
  public void close() {
    Thread rebuilder;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      rebuilder = rebuildThread;
    }
    try {
      if (rebuilder != null) {
        // It stops at its next look at `closed` (its queued tasks are refused from now on).
        rebuilder.join();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Waits for a running verification, which stops early too.
    merkleRepair.acquireUninterruptibly();
    for (Shard s : shards) {
      try {
        s.stop();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // A collection in progress sees `closed` (or its shard tasks refused) and stops soon.
    maintenance.lock();
    try {
      try {
        db.syncWal();
      } catch (RocksDBException e) {
        log.warn("final WAL sync failed: {}", e.getMessage());
      }
      // After a clean close the write-ahead log then holds no merge operand of the tree: a program
      // opening the directory without the add operator (an older geods, a tool) would replay the
      // log only up to the first operand and drop every later write for good.
      try (FlushOptions f = new FlushOptions().setWaitForFlush(true)) {
        db.flush(f, handles);
      } catch (RocksDBException e) {
        log.warn(
            "final flush failed (the write-ahead log still holds everything): {}", e.getMessage());
      }
      releaseNative();
    } finally {
      maintenance.unlock();
    }
    merkleRepair.release(); // a late verifyMerkle then finds the store closed
    log.info("store closed: node {} replica {}", config.nodeId(), replicaId);
  }

  private void releaseNative() {
    for (ColumnFamilyHandle h : handles) {
      h.close();
    }
    db.close();
    writeOptions.close();
    unsyncedWrites.close();
    readDefaults.close();
    memoryOnly.close();
    wholeScans.close();
    dbOptions.close();
    cfOptions.close();
    merkleCfOptions.close();
    addOperator.close();
    bloom.close();
    blockCache.close();
    statistics.close();
  }

  private static boolean startsWith(byte[] a, byte[] prefix) {
    return a.length >= prefix.length
        && Arrays.equals(a, 0, prefix.length, prefix, 0, prefix.length);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
