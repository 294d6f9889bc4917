package io.geodatastore.node.cluster;

import io.grpc.Codec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * gRPC's {@code gzip} message encoding (RFC 1952, one member per message), made cheap for the many
 * small messages of the delta streams. gRPC's own codec opens a {@code GZIPOutputStream} per
 * message: a new zlib stream (about 256 KiB of native memory, allocated and freed each time) at
 * level 6, written in 512-byte pieces; and a new {@code GZIPInputStream} with its own zlib stream
 * per message received. This codec keeps one {@link Deflater} (at {@link Deflater#BEST_SPEED}) and
 * one {@link Inflater} per thread, reset between messages, and compresses or inflates each message
 * in one call. The bytes are standard gzip, so either side may use any gzip codec.
 *
 * <p>A message is inflated eagerly in {@link #decompress}, up to {@code inflatedBytesMax} (a larger
 * one fails its stream, as gRPC's size limit would), so that a thread's inflater is never left
 * holding a half-read message.
 */
final class GzipCodec implements Codec {

  /** The encoding's name in gRPC's negotiation. */
  static final String ENCODING = "gzip";

  private static final int ID1 = 0x1f;
  private static final int ID2 = 0x8b;
  private static final int CM_DEFLATE = 8;
  private static final int FHCRC = 2;
  private static final int FEXTRA = 4;
  private static final int FNAME = 8;
  private static final int FCOMMENT = 16;
  private static final int OS_UNKNOWN = 255;
  private static final int HEADER_BYTES = 10;
  private static final int TRAILER_BYTES = 8;

  /** Scratch buffers kept this large at most between messages; larger ones are dropped. */
  private static final int SCRATCH_BYTES_MAX = 256 * 1024;

  private final int inflatedBytesMax;
  private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

  /**
   * @param inflatedBytesMax the largest message inflated (the transport's inbound message limit)
   */
  GzipCodec(int inflatedBytesMax) {
    this.inflatedBytesMax = inflatedBytesMax;
  }

  @Override
  public String getMessageEncoding() {
    return ENCODING;
  }

  // ---- compressing ----

  /** Collects the message; deflates it and writes the gzip member to {@code out} on close. */
  @Override
  public OutputStream compress(OutputStream out) {
    return new Compressing(out);
  }

  private final class Compressing extends OutputStream {
    private final OutputStream out;
    private final Scratch s;
    private final boolean shared;
    private byte[] buf;
    private int length;
    private boolean closed;

    Compressing(OutputStream out) {
      this.out = out;
      Scratch local = scratch.get();
      // A thread compresses one message at a time; a nested use gets scratch of its own.
      this.shared = !local.compressing;
      this.s = shared ? local : new Scratch();
      s.compressing = true;
      this.buf = s.input;
    }

    @Override
    public void write(int b) {
      ensure(1);
      buf[length++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      ensure(len);
      System.arraycopy(b, off, buf, length, len);
      length += len;
    }

    private void ensure(int more) {
      if (buf.length - length < more) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, length + more));
      }
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      try {
        deflate();
      } finally {
        s.release(buf, shared);
      }
    }

    private void deflate() throws IOException {
      Deflater d = s.deflater();
      d.reset();
      d.setInput(buf, 0, length);
      d.finish();
      byte[] o = s.output;
      o[0] = (byte) ID1;
      o[1] = (byte) ID2;
      o[2] = CM_DEFLATE;
      Arrays.fill(o, 3, HEADER_BYTES - 1, (byte) 0); // flags, mtime, extra flags
      o[HEADER_BYTES - 1] = (byte) OS_UNKNOWN;
      int n = HEADER_BYTES;
      while (true) {
        n += d.deflate(o, n, o.length - n);
        if (d.finished()) {
          break;
        }
        if (n == o.length) {
          o = Arrays.copyOf(o, o.length * 2);
          s.output = o.length <= SCRATCH_BYTES_MAX ? o : s.output;
        }
      }
      if (o.length - n < TRAILER_BYTES) {
        o = Arrays.copyOf(o, n + TRAILER_BYTES);
      }
      s.crc.reset();
      s.crc.update(buf, 0, length);
      n = putIntLe(o, n, (int) s.crc.getValue());
      n = putIntLe(o, n, length);
      out.write(o, 0, n);
      out.close();
    }
  }

  private static int putIntLe(byte[] b, int at, int v) {
    b[at] = (byte) v;
    b[at + 1] = (byte) (v >>> 8);
    b[at + 2] = (byte) (v >>> 16);
    b[at + 3] = (byte) (v >>> 24);
    return at + 4;
  }

  // ---- inflating ----

  /** Reads the whole gzip message and inflates it at once; the stream returned holds the bytes. */
  @Override
  public InputStream decompress(InputStream in) throws IOException {
    byte[] input = in.readAllBytes();
    in.close();
    Scratch s = scratch.get();
    // One byte beyond the limit: a message that fills it exactly must still be seen to end.
    long capacityMax = inflatedBytesMax + 1L;
    byte[] out = new byte[(int) Math.min(capacityMax, Math.max(64L, 4L * input.length))];
    int length = 0;
    int at = 0;
    do { // RFC 1952 allows several members, read one after the other
      at = header(input, at);
      Inflater inf = s.inflater();
      inf.reset();
      inf.setInput(input, at, input.length - at);
      int start = length;
      try {
        while (!inf.finished()) {
          if (length == out.length) {
            out = Arrays.copyOf(out, (int) Math.min(capacityMax, 2L * out.length));
          }
          int k = inf.inflate(out, length, out.length - length);
          if (k == 0 && (inf.needsInput() || inf.needsDictionary())) {
            throw new IOException("truncated gzip message");
          }
          length += k;
          if (length > inflatedBytesMax) {
            throw new IOException("gzip message inflates beyond " + inflatedBytesMax + " bytes");
          }
        }
      } catch (DataFormatException e) {
        throw new IOException("corrupt gzip message: " + e.getMessage(), e);
      }
      at = input.length - inf.getRemaining();
      if (input.length - at < TRAILER_BYTES) {
        throw new IOException("gzip message without its trailer");
      }
      s.crc.reset();
      s.crc.update(out, start, length - start);
      if (getIntLe(input, at) != (int) s.crc.getValue()
          || getIntLe(input, at + 4) != length - start) {
        throw new IOException("gzip message fails its CRC or size check");
      }
      at += TRAILER_BYTES;
    } while (at < input.length);
    return new ByteArrayInputStream(out, 0, length);
  }

  /** Checks the member header at {@code at}; returns where its deflate data begins. */
  private static int header(byte[] b, int at) throws IOException {
    if (b.length - at < HEADER_BYTES
        || (b[at] & 0xff) != ID1
        || (b[at + 1] & 0xff) != ID2
        || b[at + 2] != CM_DEFLATE) {
      throw new IOException("not a gzip message");
    }
    int flags = b[at + 3] & 0xff;
    int p = at + HEADER_BYTES;
    if ((flags & FEXTRA) != 0) {
      if (b.length - p < 2) {
        throw new IOException("truncated gzip header");
      }
      p += 2 + ((b[p] & 0xff) | (b[p + 1] & 0xff) << 8);
    }
    if ((flags & FNAME) != 0) {
      p = afterZero(b, p);
    }
    if ((flags & FCOMMENT) != 0) {
      p = afterZero(b, p);
    }
    if ((flags & FHCRC) != 0) {
      p += 2;
    }
    if (p > b.length) {
      throw new IOException("truncated gzip header");
    }
    return p;
  }

  private static int afterZero(byte[] b, int p) throws IOException {
    while (p < b.length && b[p] != 0) {
      p++;
    }
    if (p == b.length) {
      throw new IOException("truncated gzip header");
    }
    return p + 1;
  }

  private static int getIntLe(byte[] b, int at) {
    return (b[at] & 0xff)
        | (b[at + 1] & 0xff) << 8
        | (b[at + 2] & 0xff) << 16
        | (b[at + 3] & 0xff) << 24;
  }

  /** One thread's zlib streams and buffers, created on first use and reused. */
  private static final class Scratch {
    private Deflater deflater;
    private Inflater inflater;
    final CRC32 crc = new CRC32();
    byte[] input = new byte[4096];
    byte[] output = new byte[4096];
    boolean compressing;

    Deflater deflater() {
      if (deflater == null) {
        deflater = new Deflater(Deflater.BEST_SPEED, true);
      }
      return deflater;
    }

    Inflater inflater() {
      if (inflater == null) {
        inflater = new Inflater(true);
      }
      return inflater;
    }

    /** Takes back the input buffer (grown, unless too large to keep) after a message. */
    void release(byte[] grown, boolean mine) {
      if (mine) {
        compressing = false;
        if (grown.length <= SCRATCH_BYTES_MAX) {
          input = grown;
        }
      }
    }
  }
}
