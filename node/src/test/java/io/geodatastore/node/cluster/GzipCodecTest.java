package io.geodatastore.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Codec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class GzipCodecTest {

  private final GzipCodec codec = new GzipCodec(1 << 20);

  private static byte[] compress(Codec c, byte[] message) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream z = c.compress(out)) {
      // In pieces, as gRPC's framer writes: one byte, then the rest.
      if (message.length > 0) {
        z.write(message[0]);
        z.write(message, 1, message.length - 1);
      }
    }
    return out.toByteArray();
  }

  private static byte[] decompress(Codec c, byte[] gzip) throws IOException {
    try (InputStream in = c.decompress(new ByteArrayInputStream(gzip))) {
      return in.readAllBytes();
    }
  }

  /** Sizes around the scratch buffers' and the output's growth, and text that compresses well. */
  private static byte[][] messages() {
    Random r = new Random(7);
    byte[] random = new byte[300_000];
    r.nextBytes(random);
    byte[] text = "us-east-1 eu-west-1 ap-southeast-1 counters/load-42 ".repeat(2_000).getBytes();
    return new byte[][] {
      new byte[0],
      {42},
      Arrays.copyOf(random, 40),
      Arrays.copyOf(random, 4_095),
      Arrays.copyOf(random, 4_097),
      random,
      text,
    };
  }

  @Test
  void messagesRoundTripAndInteroperateWithTheJdksGzip() throws IOException {
    for (byte[] m : messages()) {
      byte[] ours = compress(codec, m);
      assertThat(decompress(codec, ours)).isEqualTo(m);
      assertThat(new GZIPInputStream(new ByteArrayInputStream(ours)).readAllBytes()).isEqualTo(m);
      assertThat(decompress(codec, compress(new Codec.Gzip(), m))).isEqualTo(m);
    }
  }

  @Test
  void theThreadsDeflaterIsReusedAcrossMessages() throws IOException {
    byte[] text = messages()[6];
    byte[] first = compress(codec, text);
    for (int i = 0; i < 3; i++) {
      assertThat(compress(codec, text)).isEqualTo(first);
    }
    assertThat(first.length).isLessThan(text.length / 10);
  }

  @Test
  void aCompressionStartedDuringAnotherUsesItsOwnBuffers() throws IOException {
    byte[] a = "first message".getBytes();
    byte[] b = "second message".getBytes();
    ByteArrayOutputStream outA = new ByteArrayOutputStream();
    ByteArrayOutputStream outB = new ByteArrayOutputStream();
    OutputStream za = codec.compress(outA);
    za.write(a);
    try (OutputStream zb = codec.compress(outB)) {
      zb.write(b);
    }
    za.close();
    assertThat(decompress(codec, outA.toByteArray())).isEqualTo(a);
    assertThat(decompress(codec, outB.toByteArray())).isEqualTo(b);
  }

  @Test
  void concatenatedMembersAndHeaderFieldsAreRead() throws IOException {
    ByteArrayOutputStream twoMembers = new ByteArrayOutputStream();
    twoMembers.write(compress(codec, "one ".getBytes()));
    try (GZIPOutputStream z = new GZIPOutputStream(twoMembers)) {
      z.write("two".getBytes());
    }
    assertThat(decompress(codec, twoMembers.toByteArray())).isEqualTo("one two".getBytes());

    byte[] plain = compress(codec, "named".getBytes());
    ByteArrayOutputStream named = new ByteArrayOutputStream();
    named.write(plain, 0, 3);
    named.write(0x08 | 0x04); // FNAME, FEXTRA
    named.write(plain, 4, 6);
    named.write(new byte[] {3, 0, 'x', 'y', 'z'});
    named.write("file.txt\0".getBytes());
    named.write(plain, 10, plain.length - 10);
    assertThat(decompress(codec, named.toByteArray())).isEqualTo("named".getBytes());
  }

  @Test
  void aMessageInflatingBeyondTheLimitFails() throws IOException {
    GzipCodec small = new GzipCodec(1_000);
    assertThat(decompress(small, compress(codec, new byte[1_000]))).hasSize(1_000);
    byte[] bomb = compress(codec, new byte[1_001]);
    assertThatThrownBy(() -> decompress(small, bomb)).isInstanceOf(IOException.class);
  }

  @Test
  void corruptOrTruncatedMessagesFail() throws IOException {
    byte[] good = compress(codec, messages()[6]);
    byte[] badCrc = good.clone();
    badCrc[good.length - 6] ^= 1;
    byte[] badData = good.clone();
    badData[12] ^= (byte) 0xff;
    for (byte[] bad :
        new byte[][] {
          badCrc,
          badData,
          Arrays.copyOf(good, good.length - 3),
          Arrays.copyOf(good, good.length / 2),
          Arrays.copyOf(good, 5),
          "not gzip at all".getBytes(),
          new byte[0],
        }) {
      assertThatThrownBy(() -> decompress(codec, bad)).isInstanceOf(IOException.class);
    }
  }
}
