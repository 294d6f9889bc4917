package io.geodatastore.storage;

import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.crdt.Conflict;
import io.geodatastore.core.crdt.CrdtType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The on-disk format of a {@link ConflictRecord}, the value of a conflict-log entry. Version 1:
 *
 * <pre>
 * offset  size    field
 * 0       1       format version (1)
 * 1       4       CRC32C (big-endian) of the version byte, then of every byte from offset 5
 * 5       var     varint time (ms since the epoch)
 *         1       type tag (CrdtType.tag); the key's family is the type's
 *         var     key name: varint length + UTF-8
 *         var     reason (Conflict.Kind.reason): varint length + UTF-8
 *         var     detail: varint length + UTF-8
 *         var     varint count, then each value: varint length + UTF-8 (canonical JSON)
 *         var     varint count, then each replica id: varint length + UTF-8
 * </pre>
 *
 * <p>Bounded: at most {@value #VALUES_MAX} values and replicas are kept, and a value longer than
 * {@value #VALUE_BYTES_MAX} bytes is replaced by a JSON string saying how long it was (values are
 * client data of up to a request body each; the log must stay small). Decoders keep reading every
 * version they ever wrote.
 */
public final class ConflictCodec {

  public static final int FORMAT_VERSION = 1;

  /** The most values (and replicas) one entry keeps. */
  public static final int VALUES_MAX = 32;

  /** The longest value kept as is, in UTF-8 bytes. */
  public static final int VALUE_BYTES_MAX = 4_096;

  private static final int DETAIL_BYTES_MAX = 4_096;
  private static final int HEADER_BYTES = 5;

  private ConflictCodec() {}

  public static byte[] encode(ConflictRecord r) {
    Conflict c = r.conflict();
    Bytes.Writer body = new Bytes.Writer(128);
    body.varint(r.atMs()).u8(r.type().tag()).string(r.key().name());
    body.string(c.kind().reason()).string(truncate(c.detail(), DETAIL_BYTES_MAX));
    List<String> values = c.values().subList(0, Math.min(VALUES_MAX, c.values().size()));
    body.varint(values.size());
    for (String v : values) {
      body.string(boundedValue(v));
    }
    List<ReplicaId> replicas = c.replicas().subList(0, Math.min(VALUES_MAX, c.replicas().size()));
    body.varint(replicas.size());
    for (ReplicaId id : replicas) {
      body.string(id.value());
    }
    byte[] b = body.toByteArray();
    return new Bytes.Writer(b.length + HEADER_BYTES)
        .u8(FORMAT_VERSION)
        .u32(crc(FORMAT_VERSION, b, 0, b.length))
        .raw(b)
        .toByteArray();
  }

  public static ConflictRecord decode(byte[] bytes) throws CorruptRecordException {
    Bytes.Reader in = new Bytes.Reader(bytes, 0);
    int version = in.u8();
    if (version != FORMAT_VERSION) {
      throw new CorruptRecordException("unknown conflict format version " + version);
    }
    int expected = in.u32();
    if (expected != crc(version, bytes, HEADER_BYTES, bytes.length - HEADER_BYTES)) {
      throw new CorruptRecordException("conflict checksum mismatch");
    }
    try {
      long atMs = in.varint();
      CrdtType type = RecordCodec.readType(in);
      String name = in.string(KeyRef.NAME_BYTES_MAX);
      String reason = in.string(256);
      Conflict.Kind kind = kind(reason);
      String detail = in.string(DETAIL_BYTES_MAX);
      List<String> values = new ArrayList<>();
      long n = count(in.varint());
      for (long i = 0; i < n; i++) {
        values.add(in.string(VALUE_BYTES_MAX + 64));
      }
      List<ReplicaId> replicas = new ArrayList<>();
      n = count(in.varint());
      for (long i = 0; i < n; i++) {
        replicas.add(ReplicaId.of(in.string(4 * ReplicaId.LENGTH_MAX)));
      }
      if (!in.atEnd()) {
        throw new CorruptRecordException("bytes after a conflict");
      }
      return new ConflictRecord(
          atMs, KeyRef.of(type.family(), name), type, new Conflict(kind, detail, values, replicas));
    } catch (IllegalArgumentException e) {
      throw new CorruptRecordException("undecodable conflict: " + e.getMessage(), e);
    }
  }

  private static Conflict.Kind kind(String reason) throws CorruptRecordException {
    for (Conflict.Kind k : Conflict.Kind.values()) {
      if (k.reason().equals(reason)) {
        return k;
      }
    }
    throw new CorruptRecordException("unknown conflict reason '" + reason + "'");
  }

  private static long count(long n) throws CorruptRecordException {
    if (n < 0 || n > VALUES_MAX) {
      throw new CorruptRecordException("a list of " + n + " in a conflict, limit " + VALUES_MAX);
    }
    return n;
  }

  /** The value itself, or a JSON string standing for one too long to keep. */
  static String boundedValue(String v) {
    int bytes = v.getBytes(StandardCharsets.UTF_8).length;
    return bytes <= VALUE_BYTES_MAX ? v : "\"(a value of " + bytes + " bytes, not kept)\"";
  }

  private static String truncate(String s, int maxBytes) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length <= maxBytes) {
      return s;
    }
    // Cut on a character boundary: drop continuation bytes at the cut.
    int end = maxBytes;
    while (end > 0 && (b[end] & 0xC0) == 0x80) {
      end--;
    }
    return new String(b, 0, end, StandardCharsets.UTF_8);
  }

  private static int crc(int version, byte[] b, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(version);
    c.update(b, off, len);
    return (int) c.getValue();
  }
}
