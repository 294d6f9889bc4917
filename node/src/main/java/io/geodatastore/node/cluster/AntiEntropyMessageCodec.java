package io.geodatastore.node.cluster;

import com.google.protobuf.ByteString;
import io.geodatastore.cluster.AntiEntropyMessage;
import io.geodatastore.cluster.NodeAddress;
import io.geodatastore.cluster.NodeId;
import io.geodatastore.cluster.TreeSums;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.storage.KeyHash;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.Merkle;
import io.geodatastore.wire.VersionVectorCodec;
import io.geodatastore.wire.proto.ExchangeDone;
import io.geodatastore.wire.proto.KeysReply;
import io.geodatastore.wire.proto.KeysRequest;
import io.geodatastore.wire.proto.LeafRecords;
import io.geodatastore.wire.proto.LeafRecordsRequest;
import io.geodatastore.wire.proto.LeavesReply;
import io.geodatastore.wire.proto.LeavesRequest;
import io.geodatastore.wire.proto.PeerEnvelope;
import io.geodatastore.wire.proto.TreeReply;
import io.geodatastore.wire.proto.TreeRequest;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link AntiEntropyMessage}s in {@code peer.proto}'s envelope: sums as packed fixed64, branch and
 * leaf numbers as varints, key pages as parallel arrays (a family byte, the name's UTF-8 bytes and
 * the hash per key; the leaf is recomputed from the key), the applied vector as a {@link
 * VersionVectorCodec} encoding. Part of {@link PeerCodec}, kept apart for size. Decoding checks
 * what the messages' records check, so a hostile or damaged message is a format error.
 */
final class AntiEntropyMessageCodec {

  private AntiEntropyMessageCodec() {}

  static void encode(AntiEntropyMessage m, PeerEnvelope.Builder b) {
    switch (m) {
      case AntiEntropyMessage.TreeRequest r ->
          b.setTreeRequest(
              TreeRequest.newBuilder()
                  .setFrom(r.from().value())
                  .setReplyTo(r.replyTo().toString())
                  .setRequestId(r.requestId())
                  .setRoot(r.root())
                  .setHorizon(vv(r.horizon())));
      case AntiEntropyMessage.TreeReply r -> {
        TreeReply.Builder t =
            TreeReply.newBuilder()
                .setFrom(r.from().value())
                .setRequestId(r.requestId())
                .setRoot(r.root())
                .setComplete(vv(r.complete()))
                .setHorizon(vv(r.horizon()));
        for (int i = 0; i < r.branches().size(); i++) {
          t.addBranches(r.branches().get(i));
        }
        b.setTreeReply(t);
      }
      case AntiEntropyMessage.LeavesRequest r ->
          b.setLeavesRequest(
              LeavesRequest.newBuilder()
                  .setFrom(r.from().value())
                  .setReplyTo(r.replyTo().toString())
                  .setRequestId(r.requestId())
                  .addAllBranches(r.branches()));
      case AntiEntropyMessage.LeavesReply r -> {
        LeavesReply.Builder l =
            LeavesReply.newBuilder()
                .setFrom(r.from().value())
                .setRequestId(r.requestId())
                .addAllBranches(r.branches());
        for (int i = 0; i < r.leaves().size(); i++) {
          l.addLeaves(r.leaves().get(i));
        }
        b.setLeavesReply(l);
      }
      case AntiEntropyMessage.KeysRequest r ->
          b.setKeysRequest(
              KeysRequest.newBuilder()
                  .setFrom(r.from().value())
                  .setReplyTo(r.replyTo().toString())
                  .setRequestId(r.requestId())
                  .addAllLeaves(r.leaves())
                  .setKeysMax(r.keysMax()));
      case AntiEntropyMessage.KeysReply r -> b.setKeysReply(keysReply(r));
      case AntiEntropyMessage.LeafRecordsRequest r ->
          b.setLeafRecordsRequest(
              LeafRecordsRequest.newBuilder()
                  .setFrom(r.from().value())
                  .setReplyTo(r.replyTo().toString())
                  .setRequestId(r.requestId())
                  .addAllLeaves(r.leaves())
                  .setKeysMax(r.keysMax()));
      case AntiEntropyMessage.LeafRecords r ->
          b.setLeafRecords(
              LeafRecords.newBuilder()
                  .setFrom(r.from().value())
                  .setRequestId(r.requestId())
                  .addAllRecords(RecordMessageCodec.toProto(r.records()))
                  .setLeavesRead(r.leavesRead())
                  .setUnreadable(r.unreadable())
                  .setCovers(vv(r.covers())));
      case AntiEntropyMessage.ExchangeDone d ->
          b.setExchangeDone(
              ExchangeDone.newBuilder()
                  .setFrom(d.from().value())
                  .setRequestId(d.requestId())
                  .setComplete(vv(d.complete())));
    }
  }

  private static KeysReply.Builder keysReply(AntiEntropyMessage.KeysReply r) {
    KeysReply.Builder k =
        KeysReply.newBuilder()
            .setFrom(r.from().value())
            .setRequestId(r.requestId())
            .setLeavesRead(r.leavesRead());
    byte[] families = new byte[r.keys().size()];
    for (int i = 0; i < families.length; i++) {
      KeyHash kh = r.keys().get(i);
      families[i] = familyCode(kh.key().family());
      k.addNames(ByteString.copyFrom(kh.key().nameBytes()));
      k.addHashes(kh.hash());
    }
    return k.setFamilies(ByteString.copyFrom(families));
  }

  static AntiEntropyMessage decodeTreeRequest(TreeRequest r) throws PeerCodec.PeerFormatException {
    return new AntiEntropyMessage.TreeRequest(
        NodeId.of(r.getFrom()),
        NodeAddress.parse(r.getReplyTo()),
        r.getRequestId(),
        r.getRoot(),
        RecordMessageCodec.vector("horizon", r.getHorizon()));
  }

  static AntiEntropyMessage decodeExchangeDone(ExchangeDone d)
      throws PeerCodec.PeerFormatException {
    return new AntiEntropyMessage.ExchangeDone(
        NodeId.of(d.getFrom()),
        d.getRequestId(),
        RecordMessageCodec.vector("complete", d.getComplete()));
  }

  private static ByteString vv(io.geodatastore.core.causal.VersionVector v) {
    return ByteString.copyFrom(VersionVectorCodec.encode(v));
  }

  static AntiEntropyMessage decodeTreeReply(TreeReply r) throws PeerCodec.PeerFormatException {
    long[] branches = new long[r.getBranchesCount()];
    for (int i = 0; i < branches.length; i++) {
      branches[i] = r.getBranches(i);
    }
    return new AntiEntropyMessage.TreeReply(
        NodeId.of(r.getFrom()),
        r.getRequestId(),
        r.getRoot(),
        TreeSums.of(branches),
        RecordMessageCodec.vector("complete", r.getComplete()),
        RecordMessageCodec.vector("horizon", r.getHorizon()));
  }

  static AntiEntropyMessage decodeLeavesRequest(LeavesRequest r)
      throws PeerCodec.PeerFormatException {
    return new AntiEntropyMessage.LeavesRequest(
        NodeId.of(r.getFrom()),
        NodeAddress.parse(r.getReplyTo()),
        r.getRequestId(),
        numbers("branches", r.getBranchesList(), AntiEntropyMessage.BRANCHES_MAX));
  }

  static AntiEntropyMessage decodeLeavesReply(LeavesReply r) throws PeerCodec.PeerFormatException {
    List<Integer> branches =
        numbers("branches", r.getBranchesList(), AntiEntropyMessage.BRANCHES_MAX);
    if (r.getLeavesCount() != branches.size() * Merkle.LEAVES_PER_BRANCH) {
      throw new PeerCodec.PeerFormatException(
          r.getLeavesCount() + " leaf sums for " + branches.size() + " branches", null);
    }
    long[] leaves = new long[r.getLeavesCount()];
    for (int i = 0; i < leaves.length; i++) {
      leaves[i] = r.getLeaves(i);
    }
    return new AntiEntropyMessage.LeavesReply(
        NodeId.of(r.getFrom()), r.getRequestId(), branches, TreeSums.of(leaves));
  }

  static AntiEntropyMessage decodeKeysRequest(KeysRequest r) throws PeerCodec.PeerFormatException {
    return new AntiEntropyMessage.KeysRequest(
        NodeId.of(r.getFrom()),
        NodeAddress.parse(r.getReplyTo()),
        r.getRequestId(),
        numbers("leaves", r.getLeavesList(), AntiEntropyMessage.LEAVES_MAX),
        r.getKeysMax());
  }

  static AntiEntropyMessage decodeKeysReply(KeysReply r) throws PeerCodec.PeerFormatException {
    int n = r.getNamesCount();
    if (n > AntiEntropyMessage.KEYS_REPLY_MAX) {
      throw new PeerCodec.PeerFormatException("a page of " + n + " keys", null);
    }
    if (r.getFamilies().size() != n || r.getHashesCount() != n) {
      throw new PeerCodec.PeerFormatException(
          "a page of keys with "
              + r.getFamilies().size()
              + " families, "
              + n
              + " names and "
              + r.getHashesCount()
              + " hashes",
          null);
    }
    List<KeyHash> keys = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      KeyRef key = new KeyRef(family(r.getFamilies().byteAt(i)), name(r.getNames(i)));
      keys.add(new KeyHash(key, Merkle.leaf(key), r.getHashes(i)));
    }
    if (r.getLeavesRead() > AntiEntropyMessage.LEAVES_MAX) {
      throw new PeerCodec.PeerFormatException("leaves_read " + r.getLeavesRead(), null);
    }
    return new AntiEntropyMessage.KeysReply(
        NodeId.of(r.getFrom()), r.getRequestId(), keys, r.getLeavesRead());
  }

  static AntiEntropyMessage decodeLeafRecordsRequest(LeafRecordsRequest r)
      throws PeerCodec.PeerFormatException {
    return new AntiEntropyMessage.LeafRecordsRequest(
        NodeId.of(r.getFrom()),
        NodeAddress.parse(r.getReplyTo()),
        r.getRequestId(),
        numbers("leaves", r.getLeavesList(), AntiEntropyMessage.LEAVES_MAX),
        r.getKeysMax());
  }

  static AntiEntropyMessage decodeLeafRecords(LeafRecords r) throws PeerCodec.PeerFormatException {
    if (r.getLeavesRead() > AntiEntropyMessage.LEAVES_MAX) {
      throw new PeerCodec.PeerFormatException("leaves_read " + r.getLeavesRead(), null);
    }
    return new AntiEntropyMessage.LeafRecords(
        NodeId.of(r.getFrom()),
        r.getRequestId(),
        RecordMessageCodec.records(r.getRecordsList(), AntiEntropyMessage.KEYS_REPLY_MAX),
        r.getLeavesRead(),
        r.getUnreadable(),
        RecordMessageCodec.vector("covers", r.getCovers()));
  }

  // ---- parts ----

  private static List<Integer> numbers(String field, List<Integer> xs, int countMax)
      throws PeerCodec.PeerFormatException {
    if (xs.size() > countMax) {
      throw new PeerCodec.PeerFormatException(field + " names " + xs.size(), null);
    }
    return xs; // the message's constructor checks order and range
  }

  private static byte familyCode(Family f) {
    return switch (f) {
      case COUNTERS -> 1;
      case SETS -> 2;
      case REGISTERS -> 3;
    };
  }

  private static Family family(byte code) throws PeerCodec.PeerFormatException {
    return switch (code) {
      case 1 -> Family.COUNTERS;
      case 2 -> Family.SETS;
      case 3 -> Family.REGISTERS;
      default -> throw new PeerCodec.PeerFormatException("unknown family code " + code, null);
    };
  }

  private static String name(ByteString bytes) throws PeerCodec.PeerFormatException {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(bytes.asReadOnlyByteBuffer())
          .toString();
    } catch (CharacterCodingException e) {
      throw new PeerCodec.PeerFormatException("a key name is not UTF-8", e);
    }
  }
}
