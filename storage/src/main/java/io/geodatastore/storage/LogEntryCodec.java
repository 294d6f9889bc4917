package io.geodatastore.storage;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.Crdt;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.wire.CrdtCodec;
import io.geodatastore.wire.WireFormatException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.TreeMap;

/**
 * The format of the replication log column family.
 *
 * <p>Key: varint length + UTF-8 origin replica id, then the sequence number as 8 bytes big-endian,
 * so one origin's entries are contiguous and in order. Value, version 2:
 *
 * <pre>
 * offset  size  field
 * 0       1     format version (2)
 * 1       1     flags: bit 0 live, bit 1 epoch present, bit 2 epoch dot present, bit 3
 *               dependencies present
 * 2       4     CRC32C (big-endian) of bytes 0 and 1, then of every byte from offset 6 to the
 *               end (as in RecordCodec)
 * 6       1     type tag
 * 7       var   key name: varint length + UTF-8
 *         var   written-at HLC: varint wall ms, varint logical
 *         var   epoch, if present (as in RecordCodec)
 *         var   epoch dot, if present (as in RecordCodec)
 *         var   dependencies, if present: varint count (1 or more), then per origin, in ascending
 *               order of replica id: varint length + UTF-8 replica id, varint sequence (1 or more)
 *         rest  the delta as a CrdtCodec envelope; absent for a delete
 * </pre>
 *
 * Version 1 is version 2 without flag bit 3 (no dependencies); it is still read, as an entry
 * without dependencies. The same bytes travel between nodes, so a peer running a version that only
 * reads version 1 cannot take entries from this one (the meta format version stops such a binary
 * from opening a data directory this one wrote).
 *
 * <p>Dependencies spell replica ids out (about 20 bytes each) rather than index a dictionary: an
 * entry must decode on its own, anywhere, after its predecessors were trimmed. They stay few
 * because an entry carries only what its origin's earlier entries did not ({@link LogEntry}).
 */
public final class LogEntryCodec {

  public static final int FORMAT_VERSION = 2;

  private static final int FLAG_LIVE = 1;
  private static final int FLAG_EPOCH = 2;
  private static final int FLAG_EPOCH_DOT = 4;
  private static final int FLAG_DEPS = 8;

  /** The most dependencies an entry may carry: a bound on decoding, far above any real cluster. */
  public static final int DEPS_MAX = 4_096;

  private LogEntryCodec() {}

  /** The replication-log key of entry {@code id}. */
  public static byte[] key(Dot id) {
    return key(id.replica(), id.counter());
  }

  /** The replication-log key of {@code origin}'s entry {@code seq}. */
  public static byte[] key(ReplicaId origin, long seq) {
    byte[] prefix = keyPrefix(origin);
    return ByteBuffer.allocate(prefix.length + 8).put(prefix).putLong(seq).array();
  }

  /** The common prefix of every entry of {@code origin}. */
  public static byte[] keyPrefix(ReplicaId origin) {
    byte[] r = origin.value().getBytes(StandardCharsets.UTF_8);
    return new Bytes.Writer(r.length + 2).varint(r.length).raw(r).toByteArray();
  }

  /** The entry id stored in a replication-log key. */
  public static Dot decodeKey(byte[] key) throws CorruptRecordException {
    Bytes.Reader in = new Bytes.Reader(key, 0);
    String origin = in.string(4 * ReplicaId.LENGTH_MAX);
    if (key.length - in.position() != 8) {
      throw new CorruptRecordException("replication-log key of the wrong length");
    }
    long seq = ByteBuffer.wrap(key, in.position(), 8).getLong();
    try {
      return new Dot(ReplicaId.of(origin), seq);
    } catch (IllegalArgumentException e) {
      throw new CorruptRecordException("bad replication-log key: " + e.getMessage(), e);
    }
  }

  public static byte[] encode(LogEntry e) {
    byte[] delta = e.live() ? CrdtCodec.encode(e.delta()) : new byte[0];
    Bytes.Writer body = new Bytes.Writer(delta.length + 64);
    body.u8(e.type().tag())
        .string(e.key().name())
        .varint(e.writtenAt().wallMs())
        .varint(e.writtenAt().logical());
    if (!e.epoch().isZero()) {
      RecordCodec.writeEpoch(body, e.epoch());
    }
    if (e.epochDot() != null) {
      RecordCodec.writeDot(body, e.epochDot());
    }
    if (!e.deps().isEmpty()) {
      writeDeps(body, e.deps());
    }
    body.raw(delta);
    byte[] b = body.toByteArray();
    int flags =
        (e.live() ? FLAG_LIVE : 0)
            | (e.epoch().isZero() ? 0 : FLAG_EPOCH)
            | (e.epochDot() == null ? 0 : FLAG_EPOCH_DOT)
            | (e.deps().isEmpty() ? 0 : FLAG_DEPS);
    return new Bytes.Writer(b.length + RecordCodec.HEADER_BYTES)
        .u8(FORMAT_VERSION)
        .u8(flags)
        .u32(RecordCodec.crc(FORMAT_VERSION, flags, b, 0, b.length))
        .raw(b)
        .toByteArray();
  }

  public static LogEntry decode(Dot id, byte[] bytes) throws CorruptRecordException {
    Bytes.Reader in = new Bytes.Reader(bytes, 0);
    int version = in.u8();
    if (version != 1 && version != FORMAT_VERSION) {
      throw new CorruptRecordException("unknown log entry format version " + version);
    }
    int flags = in.u8();
    int known =
        version == 1
            ? FLAG_LIVE | FLAG_EPOCH | FLAG_EPOCH_DOT
            : FLAG_LIVE | FLAG_EPOCH | FLAG_EPOCH_DOT | FLAG_DEPS;
    if ((flags & ~known) != 0) {
      throw new CorruptRecordException("unknown log entry flags " + flags + " at " + id);
    }
    int expected = in.u32();
    if (expected
        != RecordCodec.crc(
            version,
            flags,
            bytes,
            RecordCodec.HEADER_BYTES,
            bytes.length - RecordCodec.HEADER_BYTES)) {
      throw new CorruptRecordException("log entry checksum mismatch at " + id);
    }
    CrdtType type = RecordCodec.readType(in);
    try {
      KeyRef key = new KeyRef(type.family(), in.string(KeyRef.NAME_BYTES_MAX));
      long wall = in.varint();
      long logical = in.varint();
      if (logical > Integer.MAX_VALUE) {
        throw new CorruptRecordException("HLC logical counter out of range");
      }
      Epoch epoch = (flags & FLAG_EPOCH) != 0 ? RecordCodec.readEpoch(in) : Epoch.ZERO;
      Dot dot = (flags & FLAG_EPOCH_DOT) != 0 ? RecordCodec.readDot(in) : null;
      VersionVector deps = (flags & FLAG_DEPS) != 0 ? readDeps(in) : VersionVector.EMPTY;
      boolean live = (flags & FLAG_LIVE) != 0;
      Crdt<?> delta = live ? CrdtCodec.decode(in.rest()) : type.empty();
      if (!in.atEnd()) {
        throw new CorruptRecordException("bytes after a delete at " + id);
      }
      return new LogEntry(
          id, key, type, epoch, live, delta, dot, new HlcTimestamp(wall, (int) logical), deps);
    } catch (WireFormatException | IllegalArgumentException e) {
      throw new CorruptRecordException("undecodable log entry " + id + ": " + e.getMessage(), e);
    }
  }

  private static void writeDeps(Bytes.Writer out, VersionVector deps) {
    out.varint(deps.size());
    for (int i = 0; i < deps.size(); i++) {
      out.string(deps.replicaAt(i).value()).varint(deps.counterAt(i));
    }
  }

  private static VersionVector readDeps(Bytes.Reader in) throws CorruptRecordException {
    long n = in.varint();
    if (n < 1 || n > DEPS_MAX) {
      throw new CorruptRecordException(n + " dependencies, expected 1 to " + DEPS_MAX);
    }
    TreeMap<ReplicaId, Long> deps = new TreeMap<>();
    ReplicaId previous = null;
    for (long i = 0; i < n; i++) {
      ReplicaId r = ReplicaId.of(in.string(4 * ReplicaId.LENGTH_MAX));
      long seq = in.varint();
      if (seq < 1 || (previous != null && r.compareTo(previous) <= 0)) {
        throw new CorruptRecordException("dependencies out of order or zero at " + r);
      }
      deps.put(r, seq);
      previous = r;
    }
    return VersionVector.of(deps);
  }
}
