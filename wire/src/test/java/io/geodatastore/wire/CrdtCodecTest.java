package io.geodatastore.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.DotContext;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.Crdt;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.GCounter;
import io.geodatastore.core.crdt.LwwRegister;
import io.geodatastore.core.crdt.OrSet;
import io.geodatastore.core.crdt.PnCounter;
import io.geodatastore.wire.proto.CompactDotContext;
import io.geodatastore.wire.proto.CompactVersionVector;
import io.geodatastore.wire.proto.CrdtEnvelope;
import io.geodatastore.wire.proto.DotList;
import io.geodatastore.wire.proto.GCounterState;
import io.geodatastore.wire.proto.GSetState;
import io.geodatastore.wire.proto.LwwRegisterState;
import io.geodatastore.wire.proto.MvRegisterState;
import io.geodatastore.wire.proto.OrSetState;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class CrdtCodecTest {

  private static final ReplicaId A = ReplicaId.of("eu-west-1");
  private static final ReplicaId B = ReplicaId.of("us-east-1");

  @Test
  void theEmptyStateOfEveryTypeRoundTrips() throws WireFormatException {
    for (CrdtType t : CrdtType.values()) {
      byte[] bytes = CrdtCodec.encode(t.empty());
      assertThat(CrdtCodec.decode(bytes)).isEqualTo(t.empty());
      assertThat(CrdtCodec.decode(bytes).type()).isEqualTo(t);
    }
  }

  @Test
  void anUnknownFormatVersionIsRejectedAndNamed() {
    byte[] bytes = envelope(GCounter.EMPTY).setFormatVersion(2).build().toByteArray();
    assertThatThrownBy(() -> CrdtCodec.decode(bytes))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("unsupported CRDT envelope format version 2");
  }

  @Test
  void aMissingFormatVersionIsRejected() {
    byte[] bytes = envelope(GCounter.EMPTY).clearFormatVersion().build().toByteArray();
    assertThatThrownBy(() -> CrdtCodec.decode(bytes))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("format version 0");
  }

  @Test
  void anUnknownTypeTagIsRejectedAndNamed() {
    byte[] bytes = envelope(GCounter.EMPTY).setTypeTag(99).build().toByteArray();
    assertThatThrownBy(() -> CrdtCodec.decode(bytes))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("unknown CRDT type tag 99");
  }

  @Test
  void aTypeTagThatDisagreesWithTheStateIsRejected() {
    byte[] bytes = envelope(GCounter.EMPTY).setTypeTag(CrdtType.OR_SET.tag()).build().toByteArray();
    assertThatThrownBy(() -> CrdtCodec.decode(bytes))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("type tag 5");
  }

  @Test
  void decodingAsTheWrongClassIsRejected() {
    byte[] bytes = CrdtCodec.encode(GCounter.EMPTY.increment(A, 3).state());
    assertThatThrownBy(() -> CrdtCodec.decode(bytes, OrSet.class))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("expected a OrSet");
  }

  @Test
  void theVersionOneBytesOfACounterNeverChange() throws WireFormatException {
    PnCounter c = PnCounter.EMPTY.increment(B, 300).state().decrement(A, 2).state();
    byte[] bytes = CrdtCodec.encode(c);
    // A golden vector: version 1, tag 2, dictionary [eu-west-1, us-east-1], then the pn_counter
    // (field 5): increments {1: 300}, decrements {0: 2}. Changing it breaks stored data.
    assertThat(HexFormat.of().formatHex(bytes))
        .isEqualTo(
            "08011002"
                + "1a0965752d776573742d31"
                + "1a0975732d656173742d31"
                + "2a11"
                + "0a07"
                + "0a0101"
                + "1202ac02"
                + "1206"
                + "0a0100"
                + "120102");
    assertThat(CrdtCodec.decode(bytes, PnCounter.class)).isEqualTo(c);
  }

  @Test
  void aReplicaIndexOutsideTheDictionaryIsRejected() {
    CrdtEnvelope.Builder env = base(CrdtType.G_COUNTER).addReplicas("a");
    env.setGCounter(GCounterState.newBuilder().setCounts(vv(List.of(1), List.of(5L))));
    assertRejected(env, "replica index 1 is outside the dictionary of 1");
  }

  @Test
  void anUnsortedOrDuplicatedDictionaryIsRejected() {
    CrdtEnvelope.Builder env = base(CrdtType.G_COUNTER).addReplicas("b").addReplicas("a");
    env.setGCounter(GCounterState.getDefaultInstance());
    assertRejected(env, "not strictly ascending");
    CrdtEnvelope.Builder dup = base(CrdtType.G_COUNTER).addReplicas("a").addReplicas("a");
    dup.setGCounter(GCounterState.getDefaultInstance());
    assertRejected(dup, "not strictly ascending");
  }

  @Test
  void anInvalidReplicaIdIsRejected() {
    CrdtEnvelope.Builder env = base(CrdtType.G_COUNTER).addReplicas("bad\u0001id");
    env.setGCounter(GCounterState.getDefaultInstance());
    assertRejected(env, "replica dictionary entry 0 is invalid");
  }

  @Test
  void anOversizedDictionaryIsRejectedBeforeItIsRead() {
    CrdtEnvelope.Builder env = base(CrdtType.G_COUNTER);
    env.addAllReplicas(Collections.nCopies(ReplicaDictionary.SIZE_MAX + 1, "a"));
    env.setGCounter(GCounterState.getDefaultInstance());
    assertRejected(env, "more than " + ReplicaDictionary.SIZE_MAX);
  }

  @Test
  void countersOverTwoToTheSixtyThreeOrZeroAreRejected() {
    CrdtEnvelope.Builder huge = base(CrdtType.G_COUNTER).addReplicas("a");
    huge.setGCounter(GCounterState.newBuilder().setCounts(vv(List.of(0), List.of(-1L))));
    assertRejected(huge, "must be 1 to 2^63-1, got 18446744073709551615");
    CrdtEnvelope.Builder zero = base(CrdtType.G_COUNTER).addReplicas("a");
    zero.setGCounter(GCounterState.newBuilder().setCounts(vv(List.of(0), List.of(0L))));
    assertRejected(zero, "got 0");
  }

  @Test
  void aVersionVectorWithRepeatedOrMismatchedEntriesIsRejected() {
    CrdtEnvelope.Builder rep = base(CrdtType.G_COUNTER).addReplicas("a");
    rep.setGCounter(GCounterState.newBuilder().setCounts(vv(List.of(0, 0), List.of(1L, 2L))));
    assertRejected(rep, "not strictly ascending");
    CrdtEnvelope.Builder mis = base(CrdtType.G_COUNTER).addReplicas("a");
    mis.setGCounter(GCounterState.newBuilder().setCounts(vv(List.of(0), List.of(1L, 2L))));
    assertRejected(mis, "1 replicas but 2 counters");
  }

  @Test
  void unsortedSetElementsAreRejected() {
    CrdtEnvelope.Builder env = base(CrdtType.G_SET);
    env.setGSet(GSetState.newBuilder().addElements("\"b\"").addElements("\"a\""));
    assertRejected(env, "not strictly ascending");
  }

  @Test
  void anOrSetDotOutsideItsContextIsRejected() {
    CrdtEnvelope.Builder env = base(CrdtType.OR_SET).addReplicas("a");
    env.setOrSet(
        OrSetState.newBuilder()
            .addElements("1")
            .addDotCount(1)
            .setDots(dots(List.of(0), List.of(3L)))
            .setContext(CompactDotContext.newBuilder().setCompact(vv(List.of(0), List.of(2L)))));
    assertRejected(env, "not in the context");
  }

  @Test
  void anOrSetDotSupportingTwoElementsIsRejected() {
    CrdtEnvelope.Builder env = base(CrdtType.OR_SET).addReplicas("a");
    env.setOrSet(
        OrSetState.newBuilder()
            .addElements("1")
            .addElements("2")
            .addDotCount(1)
            .addDotCount(1)
            .setDots(dots(List.of(0, 0), List.of(1L, 1L)))
            .setContext(CompactDotContext.newBuilder().setCompact(vv(List.of(0), List.of(1L)))));
    assertRejected(env, "supports two elements");
  }

  @Test
  void orSetDotCountsThatDoNotAddUpAreRejected() {
    CrdtEnvelope.Builder env = base(CrdtType.OR_SET).addReplicas("a");
    env.setOrSet(
        OrSetState.newBuilder()
            .addElements("1")
            .addDotCount(-1)
            .setDots(dots(List.of(0), List.of(1L)))
            .setContext(CompactDotContext.newBuilder().setCompact(vv(List.of(0), List.of(1L)))));
    assertRejected(env, "dot counts exceed");
    CrdtEnvelope.Builder noDots = base(CrdtType.OR_SET);
    noDots.setOrSet(OrSetState.newBuilder().addElements("1").addDotCount(0));
    assertRejected(noDots, "without dots");
  }

  @Test
  void anLwwWriteThatDoesNotFollowWhatItReplacedIsRejected() {
    CrdtEnvelope.Builder env = base(CrdtType.LWW_REGISTER).addReplicas("a");
    env.setLwwRegister(
        LwwRegisterState.newBuilder()
            .setWriter(0)
            .setValue("1")
            .setTimestamp(hlc(5, 0))
            .setObserved(hlc(5, 0)));
    assertRejected(env, "cannot replace");
    CrdtEnvelope.Builder negative = base(CrdtType.LWW_REGISTER).addReplicas("a");
    negative.setLwwRegister(LwwRegisterState.newBuilder().setWriter(0).setTimestamp(hlc(-5, 0)));
    assertRejected(negative, "HLC timestamp out of range");
    CrdtEnvelope.Builder writerless = base(CrdtType.LWW_REGISTER);
    writerless.setLwwRegister(LwwRegisterState.newBuilder().setValue("1"));
    assertRejected(writerless, "without a writer");
  }

  @Test
  void anLwwRegisterWritingTheEmptyStringRoundTrips() throws WireFormatException {
    LwwRegister r = LwwRegister.of("", new HlcTimestamp(1, 0), A, HlcTimestamp.ZERO);
    assertThat(CrdtCodec.decode(CrdtCodec.encode(r))).isEqualTo(r);
  }

  @Test
  void mvRegisterDuplicateDotsAndMismatchedValuesAreRejected() {
    CompactDotContext ctx =
        CompactDotContext.newBuilder().setCompact(vv(List.of(0), List.of(1L))).build();
    CrdtEnvelope.Builder dup = base(CrdtType.MV_REGISTER).addReplicas("a");
    dup.setMvRegister(
        MvRegisterState.newBuilder()
            .setDots(dots(List.of(0, 0), List.of(1L, 1L)))
            .addValues("1")
            .addValues("2")
            .setContext(ctx));
    assertRejected(dup, "appears twice");
    CrdtEnvelope.Builder mis = base(CrdtType.MV_REGISTER).addReplicas("a");
    mis.setMvRegister(
        MvRegisterState.newBuilder().setDots(dots(List.of(0), List.of(1L))).setContext(ctx));
    assertRejected(mis, "1 dots but 0 values");
  }

  @Test
  void invalidUtf8IsRejected() {
    byte[] good = CrdtCodec.encode(GCounter.EMPTY.increment(A, 1).state());
    CrdtEnvelope env;
    try {
      env = CrdtEnvelope.parseFrom(good);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
    // Field 3 (replicas), length 2, bytes that are not UTF-8.
    byte[] bad =
        env.toBuilder()
            .clearReplicas()
            .build()
            .toByteString()
            .concat(ByteString.copyFrom(new byte[] {0x1a, 2, (byte) 0xc3, 0x28}))
            .toByteArray();
    assertThatThrownBy(() -> CrdtCodec.decode(bad))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("malformed");
  }

  @Test
  void nullAndEmptyInputs() throws WireFormatException {
    assertThatThrownBy(() -> CrdtCodec.decode(null)).isInstanceOf(WireFormatException.class);
    assertThatThrownBy(() -> CrdtCodec.decode(new byte[0]))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("format version 0");
  }

  @Test
  void standaloneVectorsAndContextsRoundTrip() throws WireFormatException {
    VersionVector v = VersionVector.of(A, 7).with(B, 1_000_000);
    assertThat(VersionVectorCodec.decodeVersionVector(VersionVectorCodec.encode(v))).isEqualTo(v);
    DotContext c = DotContext.of(v).add(new Dot(A, 9)).add(Dot.of("zz", 4));
    assertThat(VersionVectorCodec.decodeDotContext(VersionVectorCodec.encode(c))).isEqualTo(c);
    assertThat(
            VersionVectorCodec.decodeVersionVector(VersionVectorCodec.encode(VersionVector.EMPTY)))
        .isEqualTo(VersionVector.EMPTY);
    assertThatThrownBy(() -> VersionVectorCodec.decodeDotContext(VersionVectorCodec.encode(v)))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("expected a dot context");
  }

  @Test
  void sharedDictionaryEncodingRoundTripsManyVectors() throws WireFormatException {
    VersionVector v1 = VersionVector.of(A, 3);
    VersionVector v2 = VersionVector.of(B, 4).with(A, 1);
    ReplicaDictionary dict = ReplicaDictionary.builder().addAll(v1).addAll(v2).build();
    ReplicaDictionary sent = ReplicaDictionary.fromWire(dict.toWire());
    assertThat(sent).isEqualTo(dict);
    assertThat(VersionVectorCodec.fromProto(VersionVectorCodec.toProto(v1, dict), sent))
        .isEqualTo(v1);
    assertThat(VersionVectorCodec.fromProto(VersionVectorCodec.toProto(v2, dict), sent))
        .isEqualTo(v2);
  }

  private static void assertRejected(CrdtEnvelope.Builder env, String message) {
    byte[] bytes = env.build().toByteArray();
    assertThatThrownBy(() -> CrdtCodec.decode(bytes))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining(message);
  }

  private static CrdtEnvelope.Builder envelope(Crdt<?> state) {
    try {
      return CrdtEnvelope.parseFrom(CrdtCodec.encode(state)).toBuilder();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  private static CrdtEnvelope.Builder base(CrdtType type) {
    return CrdtEnvelope.newBuilder().setFormatVersion(1).setTypeTag(type.tag());
  }

  private static CompactVersionVector vv(List<Integer> replicas, List<Long> counters) {
    return CompactVersionVector.newBuilder()
        .addAllReplica(replicas)
        .addAllCounter(counters)
        .build();
  }

  private static DotList dots(List<Integer> replicas, List<Long> counters) {
    return DotList.newBuilder().addAllReplica(replicas).addAllCounter(counters).build();
  }

  private static io.geodatastore.wire.proto.HlcTimestamp hlc(long wallMs, int logical) {
    return io.geodatastore.wire.proto.HlcTimestamp.newBuilder()
        .setWallMs(wallMs)
        .setLogical(logical)
        .build();
  }
}
