package io.geodatastore.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SnappyCodecTest {

  private final SnappyCodec codec = new SnappyCodec(1 << 20);

  private static byte[] compress(SnappyCodec c, byte[] message) throws IOException {
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

  private static byte[] decompress(SnappyCodec c, byte[] block) throws IOException {
    try (InputStream in = c.decompress(new ByteArrayInputStream(block))) {
      return in.readAllBytes();
    }
  }

  private static byte[] text(int repeats) {
    return "us-east-1 eu-west-1 ap-southeast-1 counters/load-42 ".repeat(repeats).getBytes();
  }

  @Test
  void messagesOfEverySizeRoundTrip() throws IOException {
    Random r = new Random(7);
    byte[] random = new byte[300_000];
    r.nextBytes(random);
    for (byte[] m :
        new byte[][] {
          new byte[0],
          {42},
          Arrays.copyOf(random, 14),
          Arrays.copyOf(random, 300),
          random,
          text(1),
          text(5_000)
        }) {
      assertThat(decompress(codec, compress(codec, m))).isEqualTo(m);
    }
    assertThat(compress(codec, text(100)).length).isLessThan(text(100).length / 5);
  }

  @Test
  void aMessageAnnouncingMoreThanTheLimitIsRefused() throws IOException {
    SnappyCodec small = new SnappyCodec(1_000);
    assertThat(decompress(small, compress(codec, new byte[1_000]))).hasSize(1_000);
    byte[] large = compress(codec, new byte[1_001]);
    assertThatThrownBy(() -> decompress(small, large)).isInstanceOf(IOException.class);
    byte[] huge = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f, 0};
    assertThatThrownBy(() -> decompress(codec, huge)).isInstanceOf(IOException.class);
  }

  @Test
  void corruptOrTruncatedMessagesFail() throws IOException {
    byte[] good = compress(codec, text(200));
    byte[] lying = good.clone();
    lying[0] ^= 1; // announces another length
    byte[] trailing = Arrays.copyOf(good, good.length + 3);
    Random r = new Random(3);
    for (byte[] bad :
        new byte[][] {
          lying,
          trailing,
          Arrays.copyOf(good, good.length - 1),
          Arrays.copyOf(good, good.length / 2),
          new byte[0],
          {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 1},
        }) {
      assertThatThrownBy(() -> decompress(codec, bad)).isInstanceOf(IOException.class);
    }
    for (int i = 0; i < 2_000; i++) {
      byte[] noise = good.clone();
      noise[1 + r.nextInt(noise.length - 1)] = (byte) r.nextInt();
      try {
        assertThat(decompress(codec, noise)).hasSize(text(200).length);
      } catch (IOException expected) {
        // a clear failure is the other acceptable outcome
      }
    }
  }
}
