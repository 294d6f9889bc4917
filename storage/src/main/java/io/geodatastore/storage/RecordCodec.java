package io.geodatastore.storage;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.crdt.Crdt;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.wire.CrdtCodec;
import io.geodatastore.wire.WireFormatException;
import java.util.zip.CRC32C;

/**
 * The on-disk format of a {@link KeyRecord}, the value in a type's column family. Version 1:
 *
 * <pre>
 * offset  size    field
 * 0       1       format version (1)
 * 1       1       flags: bit 0 live, bit 1 epoch present, bit 2 epoch dot present
 * 2       4       CRC32C (big-endian) of bytes 0 and 1, then of every byte from offset 6 to
 *                 the end: the flags are covered too, so a damaged flag is never read as a
 *                 record of another shape
 * 6       1       type tag (CrdtType.tag)
 * 7       var     epoch, if present: varint wall ms, varint logical, varint length + UTF-8 replica
 *         var     epoch dot, if present: varint length + UTF-8 origin replica, varint sequence
 *         rest    the state as a CrdtCodec envelope; absent (zero bytes) for a tombstone
 * </pre>
 *
 * Decoders keep reading every version they ever wrote.
 */
public final class RecordCodec {

  public static final int FORMAT_VERSION = 1;
  static final int HEADER_BYTES = 6;

  private static final int FLAG_LIVE = 1;
  private static final int FLAG_EPOCH = 2;
  private static final int FLAG_EPOCH_DOT = 4;

  private RecordCodec() {}

  public static byte[] encode(KeyRecord r) {
    byte[] state = r.live() ? CrdtCodec.encode(r.state()) : new byte[0];
    Bytes.Writer body = new Bytes.Writer(state.length + 32);
    body.u8(r.type().tag());
    if (!r.epoch().isZero()) {
      writeEpoch(body, r.epoch());
    }
    if (r.epochDot() != null) {
      writeDot(body, r.epochDot());
    }
    body.raw(state);
    byte[] b = body.toByteArray();
    int flags =
        (r.live() ? FLAG_LIVE : 0)
            | (r.epoch().isZero() ? 0 : FLAG_EPOCH)
            | (r.epochDot() == null ? 0 : FLAG_EPOCH_DOT);
    return new Bytes.Writer(b.length + HEADER_BYTES)
        .u8(FORMAT_VERSION)
        .u8(flags)
        .u32(crc(FORMAT_VERSION, flags, b, 0, b.length))
        .raw(b)
        .toByteArray();
  }

  public static KeyRecord decode(byte[] bytes) throws CorruptRecordException {
    Bytes.Reader in = new Bytes.Reader(bytes, 0);
    int version = in.u8();
    if (version != FORMAT_VERSION) {
      throw new CorruptRecordException("unknown record format version " + version);
    }
    int flags = in.u8();
    int expected = in.u32();
    int actual = crc(version, flags, bytes, HEADER_BYTES, bytes.length - HEADER_BYTES);
    if (expected != actual) {
      throw new CorruptRecordException("record checksum mismatch");
    }
    CrdtType type = readType(in);
    Epoch epoch = (flags & FLAG_EPOCH) != 0 ? readEpoch(in) : Epoch.ZERO;
    Dot dot = (flags & FLAG_EPOCH_DOT) != 0 ? readDot(in) : null;
    boolean live = (flags & FLAG_LIVE) != 0;
    try {
      Crdt<?> state = live ? CrdtCodec.decode(in.rest()) : type.empty();
      if (!in.atEnd()) {
        throw new CorruptRecordException("bytes after a tombstone");
      }
      return new KeyRecord(type, epoch, live, state, dot);
    } catch (WireFormatException | IllegalArgumentException e) {
      throw new CorruptRecordException("undecodable record: " + e.getMessage(), e);
    }
  }

  static CrdtType readType(Bytes.Reader in) throws CorruptRecordException {
    int tag = in.u8();
    CrdtType type = CrdtType.fromTag(tag);
    if (type == null) {
      throw new CorruptRecordException("unknown type tag " + tag);
    }
    return type;
  }

  static void writeEpoch(Bytes.Writer out, Epoch e) {
    out.varint(e.timestamp().wallMs()).varint(e.timestamp().logical()).string(e.replica().value());
  }

  static Epoch readEpoch(Bytes.Reader in) throws CorruptRecordException {
    try {
      long wall = in.varint();
      long logical = in.varint();
      if (logical > Integer.MAX_VALUE) {
        throw new CorruptRecordException("HLC logical counter out of range: " + logical);
      }
      return new Epoch(
          new HlcTimestamp(wall, (int) logical), ReplicaId.of(in.string(4 * ReplicaId.LENGTH_MAX)));
    } catch (IllegalArgumentException e) {
      throw new CorruptRecordException("bad epoch: " + e.getMessage(), e);
    }
  }

  static void writeDot(Bytes.Writer out, Dot d) {
    out.string(d.replica().value()).varint(d.counter());
  }

  static Dot readDot(Bytes.Reader in) throws CorruptRecordException {
    try {
      return new Dot(ReplicaId.of(in.string(4 * ReplicaId.LENGTH_MAX)), in.varint());
    } catch (IllegalArgumentException e) {
      throw new CorruptRecordException("bad dot: " + e.getMessage(), e);
    }
  }

  /** The checksum of a header's version and flags bytes followed by {@code len} body bytes. */
  static int crc(int version, int flags, byte[] b, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(version);
    c.update(flags);
    c.update(b, off, len);
    return (int) c.getValue();
  }
}
