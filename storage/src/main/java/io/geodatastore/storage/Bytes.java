package io.geodatastore.storage;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Varint and length-prefixed string writing and reading for the storage formats. */
final class Bytes {

  private Bytes() {}

  /** A growable output buffer. */
  static final class Writer {
    private final ByteArrayOutputStream out;

    Writer(int sizeHint) {
      out = new ByteArrayOutputStream(sizeHint);
    }

    Writer u8(int v) {
      out.write(v);
      return this;
    }

    Writer u32(int v) {
      out.write(v >>> 24);
      out.write(v >>> 16);
      out.write(v >>> 8);
      out.write(v);
      return this;
    }

    Writer varint(long v) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
      return this;
    }

    Writer string(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      varint(b.length);
      out.write(b, 0, b.length);
      return this;
    }

    Writer raw(byte[] b) {
      out.write(b, 0, b.length);
      return this;
    }

    byte[] toByteArray() {
      return out.toByteArray();
    }
  }

  /** A bounds-checked reader; every failure is a {@link CorruptRecordException}. */
  static final class Reader {
    private final byte[] buf;
    private int pos;

    Reader(byte[] buf, int pos) {
      this.buf = buf;
      this.pos = pos;
    }

    int position() {
      return pos;
    }

    boolean atEnd() {
      return pos == buf.length;
    }

    int u8() throws CorruptRecordException {
      need(1);
      return buf[pos++] & 0xFF;
    }

    int u32() throws CorruptRecordException {
      need(4);
      int v =
          ((buf[pos] & 0xFF) << 24)
              | ((buf[pos + 1] & 0xFF) << 16)
              | ((buf[pos + 2] & 0xFF) << 8)
              | (buf[pos + 3] & 0xFF);
      pos += 4;
      return v;
    }

    long varint() throws CorruptRecordException {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        int b = u8();
        v |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return v;
        }
      }
      throw new CorruptRecordException("varint longer than 10 bytes");
    }

    String string(int maxBytes) throws CorruptRecordException {
      long n = varint();
      if (n < 0 || n > maxBytes) {
        throw new CorruptRecordException("string of " + n + " bytes, limit " + maxBytes);
      }
      need((int) n);
      String s = new String(buf, pos, (int) n, StandardCharsets.UTF_8);
      pos += (int) n;
      return s;
    }

    byte[] rest() {
      byte[] r = Arrays.copyOfRange(buf, pos, buf.length);
      pos = buf.length;
      return r;
    }

    private void need(int n) throws CorruptRecordException {
      if (n < 0 || pos + n > buf.length) {
        throw new CorruptRecordException("truncated: need " + n + " bytes at offset " + pos);
      }
    }
  }
}
