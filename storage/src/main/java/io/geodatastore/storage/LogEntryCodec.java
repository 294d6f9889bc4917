package io.geodatastore.storage;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.crdt.Crdt;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.wire.CrdtCodec;
import io.geodatastore.wire.WireFormatException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The format of the replication log column family.
 *
 * <p>Key: varint length + UTF-8 origin replica id, then the sequence number as 8 bytes big-endian,
 * so one origin's entries are contiguous and in order. Value, version 1:
 *
 * <pre>
 * offset  size  field
 * 0       1     format version (1)
 * 1       1     flags: bit 0 live, bit 1 epoch present, bit 2 epoch dot present
 * 2       4     CRC32C (big-endian) of bytes 0 and 1, then of every byte from offset 6 to the
 *               end (as in RecordCodec)
 * 6       1     type tag
 * 7       var   key name: varint length + UTF-8
 *         var   written-at HLC: varint wall ms, varint logical
 *         var   epoch, if present (as in RecordCodec)
 *         var   epoch dot, if present (as in RecordCodec)
 *         rest  the delta as a CrdtCodec envelope; absent for a delete
 * </pre>
 */
public final class LogEntryCodec {

  public static final int FORMAT_VERSION = 1;

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
    body.raw(delta);
    byte[] b = body.toByteArray();
    int flags = (e.live() ? 1 : 0) | (e.epoch().isZero() ? 0 : 2) | (e.epochDot() == null ? 0 : 4);
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
    if (version != FORMAT_VERSION) {
      throw new CorruptRecordException("unknown log entry format version " + version);
    }
    int flags = in.u8();
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
      Epoch epoch = (flags & 2) != 0 ? RecordCodec.readEpoch(in) : Epoch.ZERO;
      Dot dot = (flags & 4) != 0 ? RecordCodec.readDot(in) : null;
      boolean live = (flags & 1) != 0;
      Crdt<?> delta = live ? CrdtCodec.decode(in.rest()) : type.empty();
      return new LogEntry(
          id, key, type, epoch, live, delta, dot, new HlcTimestamp(wall, (int) logical));
    } catch (WireFormatException | IllegalArgumentException e) {
      throw new CorruptRecordException("undecodable log entry " + id + ": " + e.getMessage(), e);
    }
  }
}
