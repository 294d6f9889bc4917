package io.geodatastore.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.causal.DotContext;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.Crdt;
import io.geodatastore.core.crdt.OrSet;
import io.geodatastore.wire.RandomHistories.History;
import io.geodatastore.wire.RandomHistories.Ops;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;

/**
 * Hostile input: flipped bytes, truncations, insertions and random garbage must decode to a valid
 * state or fail with {@link WireFormatException}; any other exception fails the property.
 */
class CrdtCodecCorruptionTest {

  @Property
  void corruptedEncodingsDecodeToAValidStateOrFailCleanly(@ForAll long seed) {
    Random rnd = new Random(seed);
    for (Ops<?> ops : RandomHistories.ALL) {
      for (byte[] good : encodings(RandomHistories.run(ops, rnd))) {
        for (int i = 0; i < 8; i++) {
          decodesSafely(corrupt(good, rnd));
        }
      }
    }
  }

  @Property
  void randomBytesDecodeToAValidStateOrFailCleanly(@ForAll byte[] bytes) {
    decodesSafely(bytes);
    causalDecodesSafely(bytes);
  }

  @Property
  void corruptedVersionVectorsAndContextsDecodeOrFailCleanly(@ForAll long seed) {
    Random rnd = new Random(seed);
    History<OrSet> h = RandomHistories.run(RandomHistories.orSetOps(), rnd);
    for (OrSet s : h.states()) {
      byte[] vv = VersionVectorCodec.encode(s.context().versionVector());
      byte[] cc = VersionVectorCodec.encode(s.context());
      for (int i = 0; i < 8; i++) {
        causalDecodesSafely(corrupt(vv, rnd));
        causalDecodesSafely(corrupt(cc, rnd));
      }
    }
  }

  private static void causalDecodesSafely(byte[] bytes) {
    try {
      VersionVector v = VersionVectorCodec.decodeVersionVector(bytes);
      assertThat(VersionVectorCodec.decodeVersionVector(VersionVectorCodec.encode(v))).isEqualTo(v);
    } catch (WireFormatException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
    try {
      DotContext c = VersionVectorCodec.decodeDotContext(bytes);
      assertThat(VersionVectorCodec.decodeDotContext(VersionVectorCodec.encode(c))).isEqualTo(c);
    } catch (WireFormatException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }

  private static <T extends Crdt<T>> List<byte[]> encodings(History<T> h) {
    List<byte[]> out = new ArrayList<>();
    for (T s : h.states()) {
      out.add(CrdtCodec.encode(s));
    }
    for (T s : h.deltas()) {
      out.add(CrdtCodec.encode(s));
    }
    return out;
  }

  static byte[] corrupt(byte[] good, Random rnd) {
    byte[] b = good.clone();
    switch (rnd.nextInt(5)) {
      case 0 -> {
        for (int k = 1 + rnd.nextInt(3); k > 0 && b.length > 0; k--) {
          b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
        }
      }
      case 1 -> {
        if (b.length > 0) {
          b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
        }
      }
      case 2 -> b = Arrays.copyOf(b, rnd.nextInt(b.length + 1));
      case 3 -> {
        int at = rnd.nextInt(b.length + 1);
        byte[] ins = new byte[1 + rnd.nextInt(4)];
        rnd.nextBytes(ins);
        byte[] out = new byte[b.length + ins.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(ins, 0, out, at, ins.length);
        System.arraycopy(b, at, out, at + ins.length, b.length - at);
        b = out;
      }
      default -> {
        // A varint byte set to "more follows" stretches lengths and counts.
        if (b.length > 0) {
          b[rnd.nextInt(b.length)] |= (byte) 0x80;
        }
      }
    }
    return b;
  }

  /** Decodes; a decoded state must re-encode and round-trip, i.e. be a valid state. */
  static void decodesSafely(byte[] bytes) {
    Crdt<?> state;
    try {
      state = CrdtCodec.decode(bytes);
    } catch (WireFormatException e) {
      assertThat(e.getMessage()).isNotBlank();
      Statistics.collect("rejected");
      return;
    }
    Statistics.collect(bytes.length == 0 ? "empty input" : "decoded");
    byte[] again = CrdtCodec.encode(state);
    try {
      assertThat(CrdtCodec.decode(again)).isEqualTo(state);
    } catch (WireFormatException e) {
      throw new AssertionError("a decoded state does not round-trip: " + state, e);
    }
  }
}
