package io.geodatastore.wire;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.DotContext;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.wire.proto.CausalEnvelope;
import io.geodatastore.wire.proto.CompactDotContext;
import io.geodatastore.wire.proto.CompactVersionVector;
import io.geodatastore.wire.proto.DotList;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Compact encodings of version vectors and causal contexts.
 *
 * <p>A standalone vector or context ({@link #encode(VersionVector)}, {@link #encode(DotContext)})
 * travels in a {@code CausalEnvelope}: format version, its own replica dictionary, then the body.
 * Inside larger messages, {@link #toProto(VersionVector, ReplicaDictionary)} and its siblings
 * encode against a dictionary the caller shares between many values, so each replica id is sent
 * once per message and each entry costs a one- or two-byte index plus a varint counter.
 *
 * <p>Byte layout of a standalone encoding (protobuf field numbers in brackets):
 *
 * <pre>
 * CausalEnvelope
 *   [1] format_version   varint   1
 *   [2] replicas         string*  replica ids, strictly ascending
 *   [3] version_vector   message  CompactVersionVector, or
 *   [4] dot_context      message  CompactDotContext
 * CompactVersionVector
 *   [1] replica          packed varint*  dictionary indices, strictly ascending
 *   [2] counter          packed varint*  counters (1 or more), parallel to replica
 * CompactDotContext
 *   [1] compact          message  CompactVersionVector
 *   [2] cloud            message  DotList: packed replica indices [1], packed counters [2]
 * </pre>
 */
public final class VersionVectorCodec {

  /** The version of the standalone encoding written now. */
  public static final int FORMAT_VERSION = 1;

  private VersionVectorCodec() {}

  /** A version vector with its own dictionary. */
  public static byte[] encode(VersionVector vector) {
    ReplicaDictionary dict = ReplicaDictionary.builder().addAll(vector).build();
    return Protobuf.serialize(
        CausalEnvelope.newBuilder()
            .setFormatVersion(FORMAT_VERSION)
            .addAllReplicas(dict.toWire())
            .setVersionVector(toProto(vector, dict))
            .build());
  }

  /** A causal context with its own dictionary. */
  public static byte[] encode(DotContext context) {
    ReplicaDictionary dict = ReplicaDictionary.builder().addAll(context).build();
    return Protobuf.serialize(
        CausalEnvelope.newBuilder()
            .setFormatVersion(FORMAT_VERSION)
            .addAllReplicas(dict.toWire())
            .setDotContext(toProto(context, dict))
            .build());
  }

  /** Reads what {@link #encode(VersionVector)} wrote. */
  public static VersionVector decodeVersionVector(byte[] bytes) throws WireFormatException {
    CausalEnvelope env = open(bytes);
    if (env.getBodyCase() != CausalEnvelope.BodyCase.VERSION_VECTOR) {
      throw new WireFormatException("expected a version vector, found " + env.getBodyCase());
    }
    return fromProto(env.getVersionVector(), ReplicaDictionary.fromWire(env.getReplicasList()));
  }

  /** Reads what {@link #encode(DotContext)} wrote. */
  public static DotContext decodeDotContext(byte[] bytes) throws WireFormatException {
    CausalEnvelope env = open(bytes);
    if (env.getBodyCase() != CausalEnvelope.BodyCase.DOT_CONTEXT) {
      throw new WireFormatException("expected a dot context, found " + env.getBodyCase());
    }
    return fromProto(env.getDotContext(), ReplicaDictionary.fromWire(env.getReplicasList()));
  }

  private static CausalEnvelope open(byte[] bytes) throws WireFormatException {
    CausalEnvelope env = Protobuf.parse(CausalEnvelope.parser(), bytes, "causal envelope");
    return switch (env.getFormatVersion()) {
      case 1 -> env;
      default ->
          throw new WireFormatException(
              "unsupported causal envelope format version "
                  + Integer.toUnsignedString(env.getFormatVersion())
                  + " (this build reads version "
                  + FORMAT_VERSION
                  + ")");
    };
  }

  /** {@code vector} against {@code dict}, which must hold every replica of the vector. */
  public static CompactVersionVector toProto(VersionVector vector, ReplicaDictionary dict) {
    CompactVersionVector.Builder b = CompactVersionVector.newBuilder();
    for (int i = 0; i < vector.size(); i++) {
      b.addReplica(dict.indexOf(vector.replicaAt(i)));
      b.addCounter(vector.counterAt(i));
    }
    return b.build();
  }

  /**
   * The vector {@code message} describes against {@code dict}.
   *
   * @throws WireFormatException when the arrays differ in length, an index is outside the
   *     dictionary or out of order, or a counter is 0 or over 2^63-1
   */
  public static VersionVector fromProto(CompactVersionVector message, ReplicaDictionary dict)
      throws WireFormatException {
    int n = message.getReplicaCount();
    if (message.getCounterCount() != n) {
      throw new WireFormatException(
          "version vector has " + n + " replicas but " + message.getCounterCount() + " counters");
    }
    Map<ReplicaId, Long> entries = new TreeMap<>();
    long previous = -1;
    for (int i = 0; i < n; i++) {
      long index = Integer.toUnsignedLong(message.getReplica(i));
      if (index <= previous) {
        throw new WireFormatException("version vector indices are not strictly ascending");
      }
      previous = index;
      entries.put(dict.replica(index), counter(message.getCounter(i), "version vector entry"));
    }
    return VersionVector.of(entries);
  }

  /** {@code context} against {@code dict}, which must hold every replica of the context. */
  public static CompactDotContext toProto(DotContext context, ReplicaDictionary dict) {
    CompactDotContext.Builder b = CompactDotContext.newBuilder();
    if (!context.versionVector().isEmpty()) {
      b.setCompact(toProto(context.versionVector(), dict));
    }
    if (!context.cloud().isEmpty()) {
      b.setCloud(toProto(context.cloud(), dict));
    }
    return b.build();
  }

  /** The context {@code message} describes against {@code dict}. */
  public static DotContext fromProto(CompactDotContext message, ReplicaDictionary dict)
      throws WireFormatException {
    VersionVector vv = fromProto(message.getCompact(), dict);
    List<Dot> cloud = fromProto(message.getCloud(), dict);
    return DotContext.of(vv, cloud);
  }

  /** {@code dots}, in the given order, against {@code dict}. */
  public static DotList toProto(Collection<Dot> dots, ReplicaDictionary dict) {
    DotList.Builder b = DotList.newBuilder();
    for (Dot d : dots) {
      b.addReplica(dict.indexOf(d.replica()));
      b.addCounter(d.counter());
    }
    return b.build();
  }

  /** The dots {@code message} lists, in its order. */
  public static List<Dot> fromProto(DotList message, ReplicaDictionary dict)
      throws WireFormatException {
    int n = message.getReplicaCount();
    if (message.getCounterCount() != n) {
      throw new WireFormatException(
          "dot list has " + n + " replicas but " + message.getCounterCount() + " counters");
    }
    if (n > CrdtCodec.DOTS_MAX) {
      throw new WireFormatException("dot list has " + n + " dots, more than " + CrdtCodec.DOTS_MAX);
    }
    List<Dot> dots = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ReplicaId r = dict.replica(Integer.toUnsignedLong(message.getReplica(i)));
      dots.add(new Dot(r, counter(message.getCounter(i), "dot counter")));
    }
    return dots;
  }

  /** A uint64 counter read as a Java long: 1 to 2^63-1. */
  static long counter(long raw, String what) throws WireFormatException {
    if (raw < 1) {
      throw new WireFormatException(
          what + " must be 1 to 2^63-1, got " + Long.toUnsignedString(raw));
    }
    return raw;
  }
}
