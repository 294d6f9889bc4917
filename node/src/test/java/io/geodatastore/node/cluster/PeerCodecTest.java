package io.geodatastore.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.geodatastore.cluster.AntiEntropyMessage;
import io.geodatastore.cluster.ClusterMessage;
import io.geodatastore.cluster.MemberState;
import io.geodatastore.cluster.MemberUpdate;
import io.geodatastore.cluster.MembershipMessage;
import io.geodatastore.cluster.NodeAddress;
import io.geodatastore.cluster.NodeId;
import io.geodatastore.cluster.RecordMessage;
import io.geodatastore.cluster.ReplicationMessage;
import io.geodatastore.cluster.TreeSums;
import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.crdt.GCounter;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.Durability;
import io.geodatastore.storage.Epoch;
import io.geodatastore.storage.KeyHash;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.KeyedRecord;
import io.geodatastore.storage.LogEntry;
import io.geodatastore.storage.Merkle;
import io.geodatastore.storage.StoreConfig;
import io.geodatastore.storage.rocksdb.RocksStore;
import io.geodatastore.wire.proto.PeerEnvelope;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerCodecTest {

  @TempDir Path dir;

  private static final NodeId A = NodeId.of("us-east-1");

  private static MemberUpdate member(String id, String region, int port, MemberState s) {
    return new MemberUpdate(NodeId.of(id), region, new NodeAddress("127.0.0.1", port), 42L, s);
  }

  private static ClusterMessage roundTrip(ClusterMessage m) throws Exception {
    byte[] bytes = PeerCodec.encode(A, "us-east", m).toByteArray();
    PeerCodec.Decoded d = PeerCodec.decode(bytes);
    assertThat(d.sender()).isEqualTo(A);
    assertThat(d.senderRegion()).isEqualTo("us-east");
    return d.message();
  }

  @Test
  void everyMembershipMessageRoundTrips() throws Exception {
    MemberUpdate self = member("us-east-1", "us-east", 9080, MemberState.ALIVE);
    List<MemberUpdate> updates =
        List.of(
            member("eu-west-1", "eu-west", 9081, MemberState.SUSPECT),
            member("ap-1", "ap-southeast", 9082, MemberState.DEAD),
            new MemberUpdate(
                NodeId.of("v6"), "r", new NodeAddress("::1", 9090), 0, MemberState.LEFT));
    List<ClusterMessage> msgs =
        List.of(
            new MembershipMessage.Ping(7, self, updates),
            new MembershipMessage.Ack(Long.MAX_VALUE, self, List.of()),
            new MembershipMessage.PingReq(
                3, self, NodeId.of("eu-west-1"), new NodeAddress("10.0.0.2", 9081)),
            new MembershipMessage.Join(self, updates),
            new MembershipMessage.JoinReply(self, updates));
    for (ClusterMessage m : msgs) {
      assertThat(roundTrip(m)).isEqualTo(m);
    }
  }

  @Test
  void replicationMessagesRoundTripWithRealLogEntries() throws Exception {
    List<LogEntry> entries;
    ReplicaId origin;
    try (RocksStore store =
        RocksStore.open(
            StoreConfig.defaults(dir, "us-east-1").withDurability(Durability.OS).withShards(1))) {
      store.write(KeyRef.of(Family.COUNTERS, "c"), new Operation.Increment(5)).join();
      store.write(KeyRef.of(Family.SETS, "s"), new Operation.Add(List.of("\"x\"", "1"))).join();
      store.write(KeyRef.of(Family.REGISTERS, "r"), new Operation.Write("{\"a\":1}", null)).join();
      store.delete(KeyRef.of(Family.COUNTERS, "c")).join();
      origin = store.replicaId();
      entries = store.readLog(origin, 1, 100, Long.MAX_VALUE);
    }
    assertThat(entries).hasSize(4);
    var batch = new ReplicationMessage.DeltaBatch(A, origin, 0, entries);
    var back = (ReplicationMessage.DeltaBatch) roundTrip(batch);
    assertThat(back.from()).isEqualTo(A);
    assertThat(back.origin()).isEqualTo(origin);
    assertThat(back.entries()).hasSize(4);
    for (int i = 0; i < entries.size(); i++) {
      assertThat(back.entries().get(i).id()).isEqualTo(entries.get(i).id());
      assertThat(back.entries().get(i).toRecord()).isEqualTo(entries.get(i).toRecord());
      assertThat(back.entries().get(i).writtenAt()).isEqualTo(entries.get(i).writtenAt());
    }
    var skip = new ReplicationMessage.DeltaBatch(A, origin, 17, List.of());
    assertThat(roundTrip(skip)).isEqualTo(skip);
    var ack = new ReplicationMessage.BatchAck(A, origin, 99);
    assertThat(roundTrip(ack)).isEqualTo(ack);
    var probe = new ReplicationMessage.StreamProbe(A, origin);
    assertThat(roundTrip(probe)).isEqualTo(probe);

    ReplicaId other = ReplicaId.of("eu-west-1.0a0b0c0d");
    VersionVector horizon = VersionVector.of(origin, 3).with(other, 9);
    var withHorizon = new ReplicationMessage.DeltaBatch(A, origin, 0, entries, horizon);
    assertThat(((ReplicationMessage.DeltaBatch) roundTrip(withHorizon)).horizon())
        .isEqualTo(horizon);
    var report =
        new ReplicationMessage.StabilityReport(
            A,
            origin,
            VersionVector.of(origin, 4).with(other, 12),
            4,
            VersionVector.of(other, 10),
            horizon);
    assertThat(roundTrip(report)).isEqualTo(report);
    var empty =
        new ReplicationMessage.StabilityReport(
            A, origin, VersionVector.EMPTY, 0, VersionVector.EMPTY, VersionVector.EMPTY);
    assertThat(roundTrip(empty)).isEqualTo(empty);
  }

  @Test
  void hostileBytesGiveAClearErrorAndNeverAnythingElse() {
    Random r = new Random(1);
    PeerEnvelope good =
        PeerCodec.encode(
            A,
            "us-east",
            new MembershipMessage.Ping(
                1, member("us-east-1", "us-east", 9080, MemberState.ALIVE), List.of()));
    byte[] goodBytes = good.toByteArray();
    for (int i = 0; i < 2000; i++) {
      byte[] b;
      if (i % 2 == 0) {
        b = new byte[r.nextInt(64)];
        r.nextBytes(b);
      } else {
        b = goodBytes.clone();
        b[r.nextInt(b.length)] = (byte) r.nextInt(256);
      }
      try {
        PeerCodec.decode(b);
      } catch (PeerCodec.PeerFormatException e) {
        assertThat(e.getMessage()).isNotBlank();
      }
    }
    assertThatThrownBy(() -> PeerCodec.decode(good.toBuilder().setFormatVersion(2).build()))
        .isInstanceOf(PeerCodec.PeerFormatException.class)
        .hasMessageContaining("format version 2");
    assertThatThrownBy(() -> PeerCodec.decode(good.toBuilder().clearBody().build()))
        .isInstanceOf(PeerCodec.PeerFormatException.class)
        .hasMessageContaining("no body");
    PeerEnvelope badAddress =
        good.toBuilder()
            .setPing(
                good.getPing().toBuilder()
                    .setFrom(good.getPing().getFrom().toBuilder().setAddress("no port")))
            .build();
    assertThatThrownBy(() -> PeerCodec.decode(badAddress))
        .isInstanceOf(PeerCodec.PeerFormatException.class)
        .hasMessageContaining("host:port");
    PeerEnvelope badEntry =
        PeerEnvelope.newBuilder()
            .setFormatVersion(1)
            .setSender("x")
            .setSenderRegion("r")
            .setDeltaBatch(
                io.geodatastore.wire.proto.DeltaBatch.newBuilder()
                    .setFrom("x")
                    .setOrigin("x")
                    .setFirstSequence(1)
                    .addEntries(com.google.protobuf.ByteString.copyFromUtf8("garbage")))
            .build();
    assertThatThrownBy(() -> PeerCodec.decode(badEntry))
        .isInstanceOf(PeerCodec.PeerFormatException.class)
        .hasMessageContaining("corrupt");
    PeerEnvelope badReport =
        PeerEnvelope.newBuilder()
            .setFormatVersion(1)
            .setSender("x")
            .setSenderRegion("r")
            .setStabilityReport(
                io.geodatastore.wire.proto.StabilityReport.newBuilder()
                    .setFrom("x")
                    .setReplica("x.1")
                    .setHorizon(com.google.protobuf.ByteString.copyFromUtf8("garbage")))
            .build();
    assertThatThrownBy(() -> PeerCodec.decode(badReport))
        .isInstanceOf(PeerCodec.PeerFormatException.class)
        .hasMessageContaining("horizon");
  }

  @Test
  void recordMessagesRoundTripAndADamagedRecordIsAFormatError() throws Exception {
    KeyRef x = KeyRef.of(Family.COUNTERS, "x");
    KeyRef s = KeyRef.of(Family.SETS, "naïve set");
    KeyRecord counter =
        KeyRecord.live(GCounter.of(VersionVector.of(new ReplicaId("us-east-1.0a0b0c0d"), 7)));
    KeyRecord tomb =
        KeyRecord.tombstone(
            CrdtType.OR_SET,
            new Epoch(new HlcTimestamp(1_700_000_000_000L, 2), new ReplicaId("eu-west-1.01020304")),
            new Dot(new ReplicaId("eu-west-1.01020304"), 5));
    VersionVector covers =
        VersionVector.of(new ReplicaId("us-east-1.0a0b0c0d"), 9)
            .with(new ReplicaId("eu-west-1.01020304"), 5);
    NodeAddress replyTo = new NodeAddress("10.0.0.1", 9081);
    List<ClusterMessage> ms =
        List.of(
            new RecordMessage.FetchRecords(A, replyTo, 3, List.of(x, s)),
            new RecordMessage.Records(
                A,
                3,
                List.of(new KeyedRecord(x, counter), new KeyedRecord(s, tomb)),
                List.of(KeyRef.of(Family.REGISTERS, "gone")),
                List.of(x),
                List.of(s),
                covers),
            new RecordMessage.Records(
                A,
                5,
                List.of(),
                List.of(x),
                List.of(),
                List.of(),
                covers,
                VersionVector.of(new ReplicaId("eu-west-1.01020304"), 4)),
            new RecordMessage.PushRecords(
                A, replyTo, 4, List.of(new KeyedRecord(x, counter)), covers),
            new RecordMessage.PushAck(A, 4, true, 1),
            new RecordMessage.PushRecords(
                A,
                replyTo,
                6,
                List.of(new KeyedRecord(x, counter)),
                covers,
                VersionVector.of(new ReplicaId("eu-west-1.01020304"), 4),
                500));
    for (ClusterMessage m : ms) {
      assertThat(roundTrip(m)).isEqualTo(m);
    }

    PeerEnvelope push = PeerCodec.encode(A, "us-east", ms.get(3));
    byte[] record = push.getPushRecords().getRecords(0).getRecord().toByteArray();
    record[record.length - 1] ^= 1;
    PeerEnvelope damaged =
        push.toBuilder()
            .setPushRecords(
                push.getPushRecords().toBuilder()
                    .setRecords(
                        0,
                        push.getPushRecords().getRecords(0).toBuilder()
                            .setRecord(com.google.protobuf.ByteString.copyFrom(record))))
            .build();
    assertThatThrownBy(() -> PeerCodec.decode(damaged))
        .isInstanceOf(PeerCodec.PeerFormatException.class)
        .hasMessageContaining("corrupt");
    PeerEnvelope badFamily =
        push.toBuilder()
            .setPushRecords(
                push.getPushRecords().toBuilder()
                    .setRecords(
                        0,
                        push.getPushRecords().getRecords(0).toBuilder()
                            .setKey(
                                push.getPushRecords().getRecords(0).getKey().toBuilder()
                                    .setFamily("maps"))))
            .build();
    assertThatThrownBy(() -> PeerCodec.decode(badFamily))
        .isInstanceOf(PeerCodec.PeerFormatException.class)
        .hasMessageContaining("unknown family");
  }

  @Test
  void antiEntropyMessagesRoundTripAndMalformedOnesAreFormatErrors() throws Exception {
    NodeAddress replyTo = new NodeAddress("10.0.0.1", 9081);
    long[] branches = new long[Merkle.BRANCHES];
    long[] leaves = new long[2 * Merkle.LEAVES_PER_BRANCH];
    Random r = new Random(5);
    for (int i = 0; i < branches.length; i++) {
      branches[i] = r.nextLong();
    }
    for (int i = 0; i < leaves.length; i++) {
      leaves[i] = i % 3 == 0 ? 0 : r.nextLong();
    }
    KeyRef c = KeyRef.of(Family.COUNTERS, "c");
    KeyRef s = KeyRef.of(Family.SETS, "naïve set");
    KeyRef g = KeyRef.of(Family.REGISTERS, "g");
    VersionVector applied =
        VersionVector.of(new ReplicaId("us-east-1.0a0b0c0d"), 9)
            .with(new ReplicaId("eu-west-1.01020304"), 5);
    List<ClusterMessage> ms =
        List.of(
            new AntiEntropyMessage.TreeRequest(A, replyTo, 1, -42L, applied),
            new AntiEntropyMessage.TreeReply(A, 1, 7L, TreeSums.of(branches), applied, applied),
            new AntiEntropyMessage.TreeReply(
                A, 1, 7L, TreeSums.EMPTY, VersionVector.EMPTY, VersionVector.EMPTY),
            new AntiEntropyMessage.LeavesRequest(A, replyTo, 2, List.of(3, 255)),
            new AntiEntropyMessage.LeavesReply(A, 2, List.of(3, 255), TreeSums.of(leaves)),
            new AntiEntropyMessage.KeysRequest(A, replyTo, 3, List.of(0, 17, 65_535), 4096),
            new AntiEntropyMessage.KeysReply(
                A,
                3,
                List.of(
                    new KeyHash(c, Merkle.leaf(c), 1L),
                    new KeyHash(s, Merkle.leaf(s), Long.MIN_VALUE),
                    new KeyHash(g, Merkle.leaf(g), -1L)),
                2),
            new AntiEntropyMessage.LeafRecordsRequest(A, replyTo, 4, List.of(1, 2, 3), 4096),
            new AntiEntropyMessage.LeafRecords(
                A,
                4,
                List.of(
                    new KeyedRecord(
                        c,
                        KeyRecord.live(
                            GCounter.of(
                                VersionVector.of(new ReplicaId("us-east-1.0a0b0c0d"), 3))))),
                1,
                2,
                applied),
            new AntiEntropyMessage.ExchangeDone(A, 9, applied));
    for (ClusterMessage m : ms) {
      assertThat(roundTrip(m)).isEqualTo(m);
    }

    PeerEnvelope keys = PeerCodec.encode(A, "us-east", ms.get(6));
    PeerEnvelope badFamily =
        keys.toBuilder()
            .setKeysReply(
                keys.getKeysReply().toBuilder()
                    .setFamilies(com.google.protobuf.ByteString.copyFrom(new byte[] {1, 9, 3})))
            .build();
    assertThatThrownBy(() -> PeerCodec.decode(badFamily))
        .isInstanceOf(PeerCodec.PeerFormatException.class)
        .hasMessageContaining("family");
    PeerEnvelope ragged =
        keys.toBuilder().setKeysReply(keys.getKeysReply().toBuilder().addHashes(5)).build();
    assertThatThrownBy(() -> PeerCodec.decode(ragged))
        .isInstanceOf(PeerCodec.PeerFormatException.class)
        .hasMessageContaining("hashes");
    PeerEnvelope leavesShort = PeerCodec.encode(A, "us-east", ms.get(4));
    PeerEnvelope missingSums =
        leavesShort.toBuilder()
            .setLeavesReply(leavesShort.getLeavesReply().toBuilder().clearLeaves().addLeaves(1))
            .build();
    assertThatThrownBy(() -> PeerCodec.decode(missingSums))
        .isInstanceOf(PeerCodec.PeerFormatException.class);
    PeerEnvelope unordered =
        PeerCodec.encode(A, "us-east", ms.get(5)).toBuilder()
            .setKeysRequest(
                PeerCodec.encode(A, "us-east", ms.get(5)).getKeysRequest().toBuilder()
                    .clearLeaves()
                    .addLeaves(9)
                    .addLeaves(3))
            .build();
    assertThatThrownBy(() -> PeerCodec.decode(unordered))
        .isInstanceOf(PeerCodec.PeerFormatException.class)
        .hasMessageContaining("ascending");
    PeerEnvelope outOfRange =
        PeerCodec.encode(A, "us-east", ms.get(3)).toBuilder()
            .setLeavesRequest(
                PeerCodec.encode(A, "us-east", ms.get(3)).getLeavesRequest().toBuilder()
                    .addBranches(256))
            .build();
    assertThatThrownBy(() -> PeerCodec.decode(outOfRange))
        .isInstanceOf(PeerCodec.PeerFormatException.class);
  }
}
