package io.geodatastore.node.cluster;

import com.google.protobuf.ByteString;
import io.geodatastore.cluster.NodeAddress;
import io.geodatastore.cluster.NodeId;
import io.geodatastore.cluster.RecordMessage;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.storage.CorruptRecordException;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.KeyedRecord;
import io.geodatastore.storage.RecordCodec;
import io.geodatastore.wire.VersionVectorCodec;
import io.geodatastore.wire.WireFormatException;
import io.geodatastore.wire.proto.FetchRecords;
import io.geodatastore.wire.proto.KeyName;
import io.geodatastore.wire.proto.PeerEnvelope;
import io.geodatastore.wire.proto.PushAck;
import io.geodatastore.wire.proto.PushRecords;
import io.geodatastore.wire.proto.Records;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link RecordMessage}s in {@code peer.proto}'s envelope: keys as family name and UTF-8 bytes,
 * records as {@link RecordCodec} bytes (checksummed: a damaged record is a format error, never a
 * merged value), {@code covers} as a {@link VersionVectorCodec} encoding. Part of {@link
 * PeerCodec}, kept apart for size.
 */
final class RecordMessageCodec {

  private RecordMessageCodec() {}

  static void encode(RecordMessage m, PeerEnvelope.Builder b) {
    switch (m) {
      case RecordMessage.FetchRecords f ->
          b.setFetchRecords(
              FetchRecords.newBuilder()
                  .setFrom(f.from().value())
                  .setReplyTo(f.replyTo().toString())
                  .setRequestId(f.requestId())
                  .addAllKeys(toProtoKeys(f.keys())));
      case RecordMessage.Records r ->
          b.setRecords(
              Records.newBuilder()
                  .setFrom(r.from().value())
                  .setRequestId(r.requestId())
                  .addAllFound(toProto(r.found()))
                  .addAllAbsent(toProtoKeys(r.absent()))
                  .addAllUnreadable(toProtoKeys(r.unreadable()))
                  .addAllDeferred(toProtoKeys(r.deferred()))
                  .setCovers(ByteString.copyFrom(VersionVectorCodec.encode(r.covers())))
                  .setApplied(
                      r.applied().isEmpty()
                          ? ByteString.EMPTY
                          : ByteString.copyFrom(VersionVectorCodec.encode(r.applied()))));
      case RecordMessage.PushRecords p ->
          b.setPushRecords(
              PushRecords.newBuilder()
                  .setFrom(p.from().value())
                  .setReplyTo(p.replyTo().toString())
                  .setRequestId(p.requestId())
                  .addAllRecords(toProto(p.records()))
                  .setCovers(ByteString.copyFrom(VersionVectorCodec.encode(p.covers())))
                  .setPast(
                      p.past().equals(p.covers())
                          ? ByteString.EMPTY
                          : ByteString.copyFrom(VersionVectorCodec.encode(p.past())))
                  .setWaitMaxMs(p.waitMaxMs()));
      case RecordMessage.PushAck a ->
          b.setPushAck(
              PushAck.newBuilder()
                  .setFrom(a.from().value())
                  .setRequestId(a.requestId())
                  .setOk(a.ok())
                  .setChanged(a.changed()));
    }
  }

  static RecordMessage decodeFetch(FetchRecords f) throws PeerCodec.PeerFormatException {
    return new RecordMessage.FetchRecords(
        NodeId.of(f.getFrom()),
        NodeAddress.parse(f.getReplyTo()),
        f.getRequestId(),
        keys("keys", f.getKeysList()));
  }

  static RecordMessage decodeRecords(Records r) throws PeerCodec.PeerFormatException {
    return new RecordMessage.Records(
        NodeId.of(r.getFrom()),
        r.getRequestId(),
        records(r.getFoundList()),
        keys("absent", r.getAbsentList()),
        keys("unreadable", r.getUnreadableList()),
        keys("deferred", r.getDeferredList()),
        vector("covers", r.getCovers()),
        r.getApplied().isEmpty() ? VersionVector.EMPTY : vector("applied", r.getApplied()));
  }

  static RecordMessage decodePush(PushRecords p) throws PeerCodec.PeerFormatException {
    VersionVector covers = vector("covers", p.getCovers());
    if (p.getWaitMaxMs() < 0) { // an unsigned field above Long.MAX_VALUE
      throw new PeerCodec.PeerFormatException("push wait_max_ms out of range", null);
    }
    return new RecordMessage.PushRecords(
        NodeId.of(p.getFrom()),
        NodeAddress.parse(p.getReplyTo()),
        p.getRequestId(),
        records(p.getRecordsList()),
        covers,
        p.getPast().isEmpty() ? covers : vector("past", p.getPast()),
        p.getWaitMaxMs());
  }

  static RecordMessage decodeAck(PushAck a) {
    return new RecordMessage.PushAck(
        NodeId.of(a.getFrom()), a.getRequestId(), a.getOk(), Math.max(0, a.getChanged()));
  }

  // ---- parts ----

  private static List<KeyName> toProtoKeys(List<KeyRef> keys) {
    List<KeyName> out = new ArrayList<>(keys.size());
    for (KeyRef k : keys) {
      out.add(key(k));
    }
    return out;
  }

  private static KeyName key(KeyRef k) {
    return KeyName.newBuilder()
        .setFamily(k.family().apiName())
        .setName(ByteString.copyFrom(k.nameBytes()))
        .build();
  }

  static List<io.geodatastore.wire.proto.KeyedRecord> toProto(List<KeyedRecord> rs) {
    List<io.geodatastore.wire.proto.KeyedRecord> out = new ArrayList<>(rs.size());
    for (KeyedRecord r : rs) {
      out.add(
          io.geodatastore.wire.proto.KeyedRecord.newBuilder()
              .setKey(key(r.key()))
              .setRecord(ByteString.copyFrom(RecordCodec.encode(r.record())))
              .build());
    }
    return out;
  }

  private static List<KeyRef> keys(String field, List<KeyName> names)
      throws PeerCodec.PeerFormatException {
    if (names.size() > RecordMessage.KEYS_MAX) {
      throw new PeerCodec.PeerFormatException(field + " names " + names.size() + " keys", null);
    }
    List<KeyRef> out = new ArrayList<>(names.size());
    for (KeyName n : names) {
      out.add(key(n));
    }
    return out;
  }

  private static KeyRef key(KeyName n) throws PeerCodec.PeerFormatException {
    Family f = Family.fromApiName(n.getFamily());
    if (f == null) {
      throw new PeerCodec.PeerFormatException("unknown family '" + n.getFamily() + "'", null);
    }
    String name;
    try {
      name =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(n.getName().asReadOnlyByteBuffer())
              .toString();
    } catch (CharacterCodingException e) {
      throw new PeerCodec.PeerFormatException("a key name is not UTF-8", e);
    }
    return new KeyRef(f, name);
  }

  private static List<KeyedRecord> records(List<io.geodatastore.wire.proto.KeyedRecord> rs)
      throws PeerCodec.PeerFormatException {
    return records(rs, RecordMessage.KEYS_MAX);
  }

  /** Decodes records (checksummed: a damaged one is a format error), at most {@code max}. */
  static List<KeyedRecord> records(List<io.geodatastore.wire.proto.KeyedRecord> rs, int max)
      throws PeerCodec.PeerFormatException {
    if (rs.size() > max) {
      throw new PeerCodec.PeerFormatException("a message of " + rs.size() + " records", null);
    }
    List<KeyedRecord> out = new ArrayList<>(rs.size());
    for (io.geodatastore.wire.proto.KeyedRecord r : rs) {
      KeyRef k = key(r.getKey());
      try {
        out.add(new KeyedRecord(k, RecordCodec.decode(r.getRecord().toByteArray())));
      } catch (CorruptRecordException e) {
        throw new PeerCodec.PeerFormatException("the record of " + k + " is corrupt", e);
      }
    }
    return out;
  }

  static VersionVector vector(String field, ByteString b) throws PeerCodec.PeerFormatException {
    try {
      return VersionVectorCodec.decodeVersionVector(b.toByteArray());
    } catch (WireFormatException e) {
      throw new PeerCodec.PeerFormatException(field + " is not a version vector", e);
    }
  }
}
