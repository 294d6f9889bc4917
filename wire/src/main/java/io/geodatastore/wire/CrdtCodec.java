package io.geodatastore.wire;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.DotContext;
import io.geodatastore.core.causal.DotSet;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.Crdt;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.GCounter;
import io.geodatastore.core.crdt.GSet;
import io.geodatastore.core.crdt.LwwRegister;
import io.geodatastore.core.crdt.MvRegister;
import io.geodatastore.core.crdt.OrSet;
import io.geodatastore.core.crdt.PnCounter;
import io.geodatastore.core.crdt.TwoPhaseSet;
import io.geodatastore.wire.proto.CrdtEnvelope;
import io.geodatastore.wire.proto.GCounterState;
import io.geodatastore.wire.proto.GSetState;
import io.geodatastore.wire.proto.LwwRegisterState;
import io.geodatastore.wire.proto.MvRegisterState;
import io.geodatastore.wire.proto.OrSetState;
import io.geodatastore.wire.proto.PnCounterState;
import io.geodatastore.wire.proto.TwoPhaseSetState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The encoding of a CRDT state (or delta: a state of the same type) as bytes, for the network and
 * for disk. Equal states give identical bytes, so digests and Merkle leaves can be computed over
 * them: every set and map is written sorted and the replica dictionary is sorted.
 *
 * <p>Byte layout, format version 1 (protobuf {@code geodatastore.wire.v1.CrdtEnvelope}; field
 * numbers in brackets; {@code idx} is an index into the envelope's replica dictionary; every
 * repeated number is a packed varint array):
 *
 * <pre>
 * | field                  | type          | content                                            |
 * |------------------------|---------------|----------------------------------------------------|
 * | [1] format_version     | varint        | 1; the decoder switches on it                      |
 * | [2] type_tag           | varint        | CrdtType tag, 1..7; must match the state case      |
 * | [3] replicas           | string*       | replica dictionary, strictly ascending             |
 * | [4..10] state (oneof)  | message       | the state of type tag N in field N+3, as below     |
 * |------------------------|---------------|----------------------------------------------------|
 * | VV  = CompactVersionVector              [1] idx*, strictly ascending; [2] counter*        |
 * | Dots = DotList                          [1] idx*; [2] counter*  (parallel arrays)         |
 * | Ctx = CompactDotContext                 [1] VV (compact part); [2] Dots (cloud, sorted)   |
 * | Hlc = HlcTimestamp                      [1] wall_ms; [2] logical                          |
 * |------------------------|---------------|----------------------------------------------------|
 * | 1 g_counter            | GCounterState | [1] VV of counts                                   |
 * | 2 pn_counter           | PnCounterState| [1] VV increments; [2] VV decrements               |
 * | 3 g_set                | GSetState     | [1] elements*, strictly ascending                  |
 * | 4 two_phase_set        | TwoPhaseSet.. | [1] live*; [2] removed*; each strictly ascending   |
 * | 5 or_set               | OrSetState    | [1] elements*, strictly ascending; [2] dot_count*  |
 * |                        |               | per element; [3] Dots, element by element, each    |
 * |                        |               | element's ascending; [4] Ctx                       |
 * | 6 lww_register         | LwwRegister.. | [1] writer idx (absent: empty register);           |
 * |                        |               | [2] value; [3] Hlc timestamp; [4] Hlc observed     |
 * | 7 mv_register          | MvRegister..  | [1] Dots, strictly ascending; [2] values*,         |
 * |                        |               | parallel to the dots; [3] Ctx                      |
 * </pre>
 *
 * <p>Decoding never trusts the input: every count is bounded (the limits below and {@link
 * ReplicaDictionary#SIZE_MAX}), every index checked, and the state is rebuilt through core's
 * validating {@code of(...)} factories, so hostile bytes yield a {@link WireFormatException}, never
 * another exception and never a state that breaks an invariant. Order is enforced where a duplicate
 * would silently drop data (dictionary, version-vector indices, elements, MV-Register dots); dot
 * lists that are merely out of order are normalised by core. Future format versions add a case to
 * the version switch and keep reading version 1.
 */
public final class CrdtCodec {

  /** The envelope format written now. */
  public static final int FORMAT_VERSION = 1;

  /** The largest encoding decoded, in bytes. */
  public static final int ENCODED_BYTES_MAX = 256 * 1024 * 1024;

  /** The most elements one set state may hold. */
  public static final int ELEMENTS_MAX = 10_000_000;

  /** The most dots one dot list may hold. */
  public static final int DOTS_MAX = 10_000_000;

  private CrdtCodec() {}

  /** The bytes of {@code state}. */
  public static byte[] encode(Crdt<?> state) {
    ReplicaDictionary dict = dictionaryOf(state);
    CrdtEnvelope.Builder env =
        CrdtEnvelope.newBuilder()
            .setFormatVersion(FORMAT_VERSION)
            .setTypeTag(state.type().tag())
            .addAllReplicas(dict.toWire());
    switch (state) {
      case GCounter g ->
          env.setGCounter(GCounterState.newBuilder().setCounts(vv(g.counts(), dict)));
      case PnCounter p ->
          env.setPnCounter(
              PnCounterState.newBuilder()
                  .setIncrements(vv(p.increments().counts(), dict))
                  .setDecrements(vv(p.decrements().counts(), dict)));
      case GSet s -> env.setGSet(GSetState.newBuilder().addAllElements(s.value()));
      case TwoPhaseSet s ->
          env.setTwoPhaseSet(
              TwoPhaseSetState.newBuilder().addAllLive(s.value()).addAllRemoved(s.removed()));
      case OrSet s -> env.setOrSet(orSet(s, dict));
      case LwwRegister r -> env.setLwwRegister(lww(r, dict));
      case MvRegister r ->
          env.setMvRegister(
              MvRegisterState.newBuilder()
                  .setDots(VersionVectorCodec.toProto(r.entries().keySet(), dict))
                  .addAllValues(r.entries().values())
                  .setContext(VersionVectorCodec.toProto(r.context(), dict)));
    }
    return Protobuf.serialize(env.build());
  }

  /**
   * The state {@code bytes} encode.
   *
   * @throws WireFormatException when the bytes are not a valid encoding of a supported version
   */
  public static Crdt<?> decode(byte[] bytes) throws WireFormatException {
    CrdtEnvelope env = Protobuf.parse(CrdtEnvelope.parser(), bytes, "CRDT envelope");
    try {
      return switch (env.getFormatVersion()) {
        case 1 -> decodeV1(env);
        default ->
            throw new WireFormatException(
                "unsupported CRDT envelope format version "
                    + Integer.toUnsignedString(env.getFormatVersion())
                    + " (this build reads version "
                    + FORMAT_VERSION
                    + ")");
      };
    } catch (IllegalArgumentException | ArithmeticException | IndexOutOfBoundsException e) {
      // Core's factories reject states that break an invariant with these.
      throw new WireFormatException("invalid CRDT state", e);
    }
  }

  /**
   * The state {@code bytes} encode, which must be of {@code type}.
   *
   * @throws WireFormatException when the bytes are invalid or encode another type
   */
  public static <T extends Crdt<T>> T decode(byte[] bytes, Class<T> type)
      throws WireFormatException {
    Crdt<?> state = decode(bytes);
    if (!type.isInstance(state)) {
      throw new WireFormatException(
          "expected a " + type.getSimpleName() + " but the bytes hold a " + state.type());
    }
    return type.cast(state);
  }

  private static Crdt<?> decodeV1(CrdtEnvelope env) throws WireFormatException {
    CrdtType type = CrdtType.fromTag(env.getTypeTag());
    if (type == null) {
      throw new WireFormatException(
          "unknown CRDT type tag " + Integer.toUnsignedString(env.getTypeTag()));
    }
    if (env.getStateCase().getNumber() != type.tag() + 3) {
      throw new WireFormatException(
          "type tag " + type.tag() + " (" + type + ") but the state is " + env.getStateCase());
    }
    ReplicaDictionary dict = ReplicaDictionary.fromWire(env.getReplicasList());
    return switch (type) {
      case G_COUNTER ->
          GCounter.of(VersionVectorCodec.fromProto(env.getGCounter().getCounts(), dict));
      case PN_COUNTER ->
          PnCounter.of(
              GCounter.of(VersionVectorCodec.fromProto(env.getPnCounter().getIncrements(), dict)),
              GCounter.of(VersionVectorCodec.fromProto(env.getPnCounter().getDecrements(), dict)));
      case G_SET -> GSet.of(elements(env.getGSet().getElementsList(), "G-Set elements"));
      case TWO_PHASE_SET -> twoPhaseSet(env.getTwoPhaseSet());
      case OR_SET -> orSet(env.getOrSet(), dict);
      case LWW_REGISTER -> lww(env.getLwwRegister(), dict);
      case MV_REGISTER -> mvRegister(env.getMvRegister(), dict);
    };
  }

  private static ReplicaDictionary dictionaryOf(Crdt<?> state) {
    ReplicaDictionary.Builder b = ReplicaDictionary.builder();
    switch (state) {
      case GCounter g -> b.addAll(g.counts());
      case PnCounter p -> b.addAll(p.increments().counts()).addAll(p.decrements().counts());
      case GSet s -> {}
      case TwoPhaseSet s -> {}
      case OrSet s -> {
        b.addAll(s.context());
        s.entries()
            .forEach(
                (e, dots) -> {
                  for (Dot d : dots.toList()) {
                    b.add(d.replica());
                  }
                });
      }
      case LwwRegister r -> {
        if (!r.isEmpty()) {
          b.add(r.writer());
        }
      }
      case MvRegister r -> {
        b.addAll(r.context());
        r.entries().keySet().forEach(d -> b.add(d.replica()));
      }
    }
    return b.build();
  }

  private static io.geodatastore.wire.proto.CompactVersionVector vv(
      VersionVector v, ReplicaDictionary dict) {
    return VersionVectorCodec.toProto(v, dict);
  }

  private static OrSetState orSet(OrSet s, ReplicaDictionary dict) {
    OrSetState.Builder b = OrSetState.newBuilder();
    List<Dot> dots = new ArrayList<>();
    s.entries()
        .forEach(
            (e, ds) -> {
              b.addElements(e);
              b.addDotCount(ds.size());
              dots.addAll(ds.toList());
            });
    return b.setDots(VersionVectorCodec.toProto(dots, dict))
        .setContext(VersionVectorCodec.toProto(s.context(), dict))
        .build();
  }

  private static OrSet orSet(OrSetState m, ReplicaDictionary dict) throws WireFormatException {
    List<String> elements = elements(m.getElementsList(), "OR-Set elements");
    if (m.getDotCountCount() != elements.size()) {
      throw new WireFormatException(
          "OR-Set has "
              + elements.size()
              + " elements but "
              + m.getDotCountCount()
              + " dot counts");
    }
    List<Dot> dots = VersionVectorCodec.fromProto(m.getDots(), dict);
    DotContext context = VersionVectorCodec.fromProto(m.getContext(), dict);
    Map<String, DotSet> entries = new HashMap<>();
    int next = 0;
    for (int i = 0; i < elements.size(); i++) {
      long count = Integer.toUnsignedLong(m.getDotCount(i));
      if (count > dots.size() - next) {
        throw new WireFormatException("OR-Set dot counts exceed the " + dots.size() + " dots");
      }
      entries.put(elements.get(i), DotSet.of(dots.subList(next, next + (int) count)));
      next += (int) count;
    }
    if (next != dots.size()) {
      throw new WireFormatException(
          "OR-Set lists " + dots.size() + " dots but its elements account for " + next);
    }
    return OrSet.of(entries, context);
  }

  private static TwoPhaseSet twoPhaseSet(TwoPhaseSetState m) throws WireFormatException {
    List<String> live = elements(m.getLiveList(), "2P-Set live elements");
    List<String> removed = elements(m.getRemovedList(), "2P-Set removed elements");
    return TwoPhaseSet.of(live, removed);
  }

  private static LwwRegisterState lww(LwwRegister r, ReplicaDictionary dict) {
    LwwRegisterState.Builder b = LwwRegisterState.newBuilder();
    if (!r.isEmpty()) {
      b.setWriter(dict.indexOf(r.writer()))
          .setValue(r.value())
          .setTimestamp(hlc(r.timestamp()))
          .setObserved(hlc(r.observed()));
    }
    return b.build();
  }

  private static LwwRegister lww(LwwRegisterState m, ReplicaDictionary dict)
      throws WireFormatException {
    if (!m.hasWriter()) {
      if (!m.getValue().isEmpty() || m.hasTimestamp() || m.hasObserved()) {
        throw new WireFormatException("LWW-Register without a writer has a value or timestamp");
      }
      return LwwRegister.EMPTY;
    }
    return LwwRegister.of(
        m.getValue(),
        hlc(m.getTimestamp()),
        dict.replica(Integer.toUnsignedLong(m.getWriter())),
        hlc(m.getObserved()));
  }

  private static MvRegister mvRegister(MvRegisterState m, ReplicaDictionary dict)
      throws WireFormatException {
    List<Dot> dots = VersionVectorCodec.fromProto(m.getDots(), dict);
    if (m.getValuesCount() != dots.size()) {
      throw new WireFormatException(
          "MV-Register has " + dots.size() + " dots but " + m.getValuesCount() + " values");
    }
    Map<Dot, String> entries = new TreeMap<>();
    for (int i = 0; i < dots.size(); i++) {
      if (entries.put(dots.get(i), m.getValues(i)) != null) {
        throw new WireFormatException("MV-Register dot " + dots.get(i) + " appears twice");
      }
    }
    return MvRegister.of(entries, VersionVectorCodec.fromProto(m.getContext(), dict));
  }

  private static io.geodatastore.wire.proto.HlcTimestamp hlc(HlcTimestamp t) {
    return io.geodatastore.wire.proto.HlcTimestamp.newBuilder()
        .setWallMs(t.wallMs())
        .setLogical(t.logical())
        .build();
  }

  private static HlcTimestamp hlc(io.geodatastore.wire.proto.HlcTimestamp m)
      throws WireFormatException {
    if (m.getWallMs() < 0 || m.getLogical() < 0) {
      throw new WireFormatException(
          "HLC timestamp out of range: "
              + Long.toUnsignedString(m.getWallMs())
              + "."
              + Integer.toUnsignedString(m.getLogical()));
    }
    return new HlcTimestamp(m.getWallMs(), m.getLogical());
  }

  /** Elements as sent: at most {@link #ELEMENTS_MAX}, strictly ascending. */
  private static List<String> elements(List<String> elements, String what)
      throws WireFormatException {
    if (elements.size() > ELEMENTS_MAX) {
      throw new WireFormatException(
          what + ": " + elements.size() + " elements, more than " + ELEMENTS_MAX);
    }
    for (int i = 1; i < elements.size(); i++) {
      if (elements.get(i - 1).compareTo(elements.get(i)) >= 0) {
        throw new WireFormatException(what + " are not strictly ascending at " + i);
      }
    }
    return elements;
  }
}
