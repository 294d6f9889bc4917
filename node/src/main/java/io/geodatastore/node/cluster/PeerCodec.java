package io.geodatastore.node.cluster;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.geodatastore.cluster.AntiEntropyMessage;
import io.geodatastore.cluster.ClusterMessage;
import io.geodatastore.cluster.MemberState;
import io.geodatastore.cluster.MemberUpdate;
import io.geodatastore.cluster.MembershipMessage;
import io.geodatastore.cluster.NodeAddress;
import io.geodatastore.cluster.NodeId;
import io.geodatastore.cluster.RecordMessage;
import io.geodatastore.cluster.ReplicationMessage;
import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.storage.CorruptRecordException;
import io.geodatastore.storage.LogEntry;
import io.geodatastore.storage.LogEntryCodec;
import io.geodatastore.wire.VersionVectorCodec;
import io.geodatastore.wire.WireFormatException;
import io.geodatastore.wire.proto.Ack;
import io.geodatastore.wire.proto.BatchAck;
import io.geodatastore.wire.proto.DeltaBatch;
import io.geodatastore.wire.proto.Join;
import io.geodatastore.wire.proto.JoinReply;
import io.geodatastore.wire.proto.Member;
import io.geodatastore.wire.proto.MemberStatus;
import io.geodatastore.wire.proto.PeerEnvelope;
import io.geodatastore.wire.proto.Ping;
import io.geodatastore.wire.proto.PingReq;
import io.geodatastore.wire.proto.StabilityReport;
import io.geodatastore.wire.proto.StreamProbe;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The mapping between {@link ClusterMessage}s and {@code peer.proto}'s {@link PeerEnvelope}.
 * Decoding checks everything the cluster's records check and throws {@link PeerFormatException}
 * (never anything else) for bytes that are not a valid message, so that a hostile or corrupt peer
 * costs one dropped message.
 */
public final class PeerCodec {

  /** The envelope format this node writes and reads. */
  public static final int FORMAT_VERSION = 1;

  /** The most members one membership message may carry, and entries one batch. */
  static final int LIST_MAX = 100_000;

  private PeerCodec() {}

  /** A message that could not be decoded; the text says what was wrong. */
  public static final class PeerFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    PeerFormatException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** A decoded envelope: who sent it (as it says) and the message. */
  public record Decoded(NodeId sender, String senderRegion, ClusterMessage message) {}

  // ---- encoding ----

  public static PeerEnvelope encode(NodeId sender, String senderRegion, ClusterMessage msg) {
    return encode(sender, senderRegion, msg, PeerCodec::entryBytes);
  }

  /**
   * {@link #encode(NodeId, String, ClusterMessage)} with the log entries' bytes from {@code
   * entryBytes} (the bytes the log stores, when the caller has them).
   */
  public static PeerEnvelope encode(
      NodeId sender,
      String senderRegion,
      ClusterMessage msg,
      Function<LogEntry, ByteString> entryBytes) {
    PeerEnvelope.Builder b =
        PeerEnvelope.newBuilder()
            .setFormatVersion(FORMAT_VERSION)
            .setSender(sender.value())
            .setSenderRegion(senderRegion);
    switch (msg) {
      case MembershipMessage.Ping p ->
          b.setPing(
              Ping.newBuilder()
                  .setSeq(p.seq())
                  .setFrom(member(p.from()))
                  .addAllUpdates(members(p.updates())));
      case MembershipMessage.Ack a ->
          b.setAck(
              Ack.newBuilder()
                  .setSeq(a.seq())
                  .setFrom(member(a.from()))
                  .addAllUpdates(members(a.updates())));
      case MembershipMessage.PingReq r ->
          b.setPingReq(
              PingReq.newBuilder()
                  .setSeq(r.seq())
                  .setFrom(member(r.from()))
                  .setTarget(r.target().value())
                  .setTargetAddress(r.targetAddress().toString()));
      case MembershipMessage.Join j ->
          b.setJoin(Join.newBuilder().setFrom(member(j.from())).addAllView(members(j.view())));
      case MembershipMessage.JoinReply j ->
          b.setJoinReply(
              JoinReply.newBuilder().setFrom(member(j.from())).addAllView(members(j.view())));
      case ReplicationMessage.DeltaBatch d -> {
        DeltaBatch.Builder db =
            DeltaBatch.newBuilder()
                .setFrom(d.from().value())
                .setOrigin(d.origin().value())
                .setSkipTo(d.skipTo());
        if (!d.entries().isEmpty()) {
          db.setFirstSequence(d.entries().getFirst().id().counter());
        }
        for (LogEntry e : d.entries()) {
          db.addEntries(entryBytes.apply(e));
        }
        if (!d.horizon().isEmpty()) {
          db.setHorizon(vector(d.horizon()));
        }
        b.setDeltaBatch(db);
      }
      case ReplicationMessage.BatchAck a ->
          b.setBatchAck(
              BatchAck.newBuilder()
                  .setFrom(a.from().value())
                  .setOrigin(a.origin().value())
                  .setAppliedThrough(a.appliedThrough()));
      case ReplicationMessage.StreamProbe p ->
          b.setStreamProbe(
              StreamProbe.newBuilder().setFrom(p.from().value()).setOrigin(p.origin().value()));
      case RecordMessage r -> RecordMessageCodec.encode(r, b);
      case ReplicationMessage.StabilityReport r ->
          b.setStabilityReport(
              StabilityReport.newBuilder()
                  .setFrom(r.from().value())
                  .setReplica(r.replica().value())
                  .setComplete(vector(r.complete()))
                  .setStable(r.stable())
                  .setFence(vector(r.fence()))
                  .setHorizon(vector(r.horizon())));
      case AntiEntropyMessage a -> AntiEntropyMessageCodec.encode(a, b);
    }
    return b.build();
  }

  /** The {@link LogEntryCodec} bytes of {@code e}. */
  public static ByteString entryBytes(LogEntry e) {
    return UnsafeByteOperations.unsafeWrap(LogEntryCodec.encode(e));
  }

  private static ByteString vector(VersionVector v) {
    return ByteString.copyFrom(VersionVectorCodec.encode(v));
  }

  private static VersionVector vector(String field, ByteString bytes) {
    if (bytes.isEmpty()) {
      return VersionVector.EMPTY;
    }
    try {
      return VersionVectorCodec.decodeVersionVector(bytes.toByteArray());
    } catch (WireFormatException e) {
      throw new IllegalArgumentException(field + " is not a version vector: " + e.getMessage(), e);
    }
  }

  private static Member member(MemberUpdate u) {
    return Member.newBuilder()
        .setNodeId(u.nodeId().value())
        .setRegion(u.region())
        .setAddress(u.address().toString())
        .setIncarnation(u.incarnation())
        .setState(
            switch (u.state()) {
              case ALIVE -> MemberStatus.MEMBER_ALIVE;
              case SUSPECT -> MemberStatus.MEMBER_SUSPECT;
              case DEAD -> MemberStatus.MEMBER_DEAD;
              case LEFT -> MemberStatus.MEMBER_LEFT;
              case REMOVED -> MemberStatus.MEMBER_REMOVED;
            })
        .build();
  }

  private static List<Member> members(List<MemberUpdate> us) {
    List<Member> out = new ArrayList<>(us.size());
    for (MemberUpdate u : us) {
      out.add(member(u));
    }
    return out;
  }

  // ---- decoding ----

  /** Parses and decodes envelope bytes. */
  public static Decoded decode(byte[] bytes) throws PeerFormatException {
    PeerEnvelope env;
    try {
      env = PeerEnvelope.parseFrom(bytes);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new PeerFormatException("not a peer envelope: " + e.getMessage(), e);
    }
    return decode(env);
  }

  /** Decodes a parsed envelope. */
  public static Decoded decode(PeerEnvelope env) throws PeerFormatException {
    if (env.getFormatVersion() != FORMAT_VERSION) {
      throw new PeerFormatException(
          "envelope format version "
              + env.getFormatVersion()
              + " is not the one this node reads ("
              + FORMAT_VERSION
              + ")",
          null);
    }
    try {
      NodeId sender = NodeId.of(env.getSender());
      String region = env.getSenderRegion();
      ClusterMessage m =
          switch (env.getBodyCase()) {
            case PING -> {
              Ping p = env.getPing();
              yield new MembershipMessage.Ping(
                  p.getSeq(), member(p.getFrom()), updates(p.getUpdatesList()));
            }
            case ACK -> {
              Ack a = env.getAck();
              yield new MembershipMessage.Ack(
                  a.getSeq(), member(a.getFrom()), updates(a.getUpdatesList()));
            }
            case PING_REQ -> {
              PingReq r = env.getPingReq();
              yield new MembershipMessage.PingReq(
                  r.getSeq(),
                  member(r.getFrom()),
                  NodeId.of(r.getTarget()),
                  NodeAddress.parse(r.getTargetAddress()));
            }
            case JOIN -> {
              Join j = env.getJoin();
              yield new MembershipMessage.Join(member(j.getFrom()), updates(j.getViewList()));
            }
            case JOIN_REPLY -> {
              JoinReply j = env.getJoinReply();
              yield new MembershipMessage.JoinReply(member(j.getFrom()), updates(j.getViewList()));
            }
            case DELTA_BATCH -> deltaBatch(env.getDeltaBatch());
            case BATCH_ACK -> {
              BatchAck a = env.getBatchAck();
              yield new ReplicationMessage.BatchAck(
                  NodeId.of(a.getFrom()),
                  new ReplicaId(a.getOrigin()),
                  nonNegative("applied_through", a.getAppliedThrough()));
            }
            case STREAM_PROBE -> {
              StreamProbe p = env.getStreamProbe();
              yield new ReplicationMessage.StreamProbe(
                  NodeId.of(p.getFrom()), new ReplicaId(p.getOrigin()));
            }
            case FETCH_RECORDS -> RecordMessageCodec.decodeFetch(env.getFetchRecords());
            case RECORDS -> RecordMessageCodec.decodeRecords(env.getRecords());
            case PUSH_RECORDS -> RecordMessageCodec.decodePush(env.getPushRecords());
            case PUSH_ACK -> RecordMessageCodec.decodeAck(env.getPushAck());
            case STABILITY_REPORT -> {
              StabilityReport r = env.getStabilityReport();
              yield new ReplicationMessage.StabilityReport(
                  NodeId.of(r.getFrom()),
                  new ReplicaId(r.getReplica()),
                  vector("complete", r.getComplete()),
                  nonNegative("stable", r.getStable()),
                  vector("fence", r.getFence()),
                  vector("horizon", r.getHorizon()));
            }
            case TREE_REQUEST -> AntiEntropyMessageCodec.decodeTreeRequest(env.getTreeRequest());
            case TREE_REPLY -> AntiEntropyMessageCodec.decodeTreeReply(env.getTreeReply());
            case LEAVES_REQUEST ->
                AntiEntropyMessageCodec.decodeLeavesRequest(env.getLeavesRequest());
            case LEAVES_REPLY -> AntiEntropyMessageCodec.decodeLeavesReply(env.getLeavesReply());
            case KEYS_REQUEST -> AntiEntropyMessageCodec.decodeKeysRequest(env.getKeysRequest());
            case KEYS_REPLY -> AntiEntropyMessageCodec.decodeKeysReply(env.getKeysReply());
            case LEAF_RECORDS_REQUEST ->
                AntiEntropyMessageCodec.decodeLeafRecordsRequest(env.getLeafRecordsRequest());
            case LEAF_RECORDS -> AntiEntropyMessageCodec.decodeLeafRecords(env.getLeafRecords());
            case EXCHANGE_DONE -> AntiEntropyMessageCodec.decodeExchangeDone(env.getExchangeDone());
            case BODY_NOT_SET -> throw new IllegalArgumentException("the envelope has no body");
          };
      return new Decoded(sender, region, m);
    } catch (PeerFormatException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new PeerFormatException(
          "invalid " + env.getBodyCase() + " from '" + env.getSender() + "': " + e.getMessage(), e);
    }
  }

  private static ReplicationMessage.DeltaBatch deltaBatch(DeltaBatch d) throws PeerFormatException {
    ReplicaId origin = new ReplicaId(d.getOrigin());
    if (d.getEntriesCount() > LIST_MAX) {
      throw new PeerFormatException("a batch of " + d.getEntriesCount() + " entries", null);
    }
    long first = d.getFirstSequence();
    if (d.getEntriesCount() > 0 && (first < 1 || first > Long.MAX_VALUE - d.getEntriesCount())) {
      throw new PeerFormatException("first_sequence " + first + " is out of range", null);
    }
    List<LogEntry> entries = new ArrayList<>(d.getEntriesCount());
    for (int i = 0; i < d.getEntriesCount(); i++) {
      Dot id = new Dot(origin, first + i);
      try {
        entries.add(LogEntryCodec.decode(id, d.getEntries(i).toByteArray()));
      } catch (CorruptRecordException e) {
        throw new PeerFormatException("entry " + id + " is corrupt: " + e.getMessage(), e);
      }
    }
    return new ReplicationMessage.DeltaBatch(
        NodeId.of(d.getFrom()),
        origin,
        nonNegative("skip_to", d.getSkipTo()),
        entries,
        vector("horizon", d.getHorizon()));
  }

  private static long nonNegative(String field, long v) {
    if (v < 0) {
      throw new IllegalArgumentException(field + " is out of range: " + Long.toUnsignedString(v));
    }
    return v;
  }

  private static MemberUpdate member(Member m) {
    MemberState state =
        switch (m.getState()) {
          case MEMBER_ALIVE -> MemberState.ALIVE;
          case MEMBER_SUSPECT -> MemberState.SUSPECT;
          case MEMBER_DEAD -> MemberState.DEAD;
          case MEMBER_LEFT -> MemberState.LEFT;
          case MEMBER_REMOVED -> MemberState.REMOVED;
          case MEMBER_STATUS_UNSPECIFIED, UNRECOGNIZED ->
              throw new IllegalArgumentException("member " + m.getNodeId() + " has no state");
        };
    return new MemberUpdate(
        NodeId.of(m.getNodeId()),
        m.getRegion(),
        NodeAddress.parse(m.getAddress()),
        nonNegative("incarnation", m.getIncarnation()),
        state);
  }

  private static List<MemberUpdate> updates(List<Member> ms) {
    if (ms.size() > LIST_MAX) {
      throw new IllegalArgumentException("a list of " + ms.size() + " members");
    }
    List<MemberUpdate> out = new ArrayList<>(ms.size());
    for (Member m : ms) {
      out.add(member(m));
    }
    return out;
  }
}
