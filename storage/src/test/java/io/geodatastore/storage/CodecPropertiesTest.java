package io.geodatastore.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.crdt.GCounter;
import io.geodatastore.core.crdt.PnCounter;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The record and replication-log formats round-trip, and any single changed byte or any truncation
 * is refused with a {@link CorruptRecordException}: never another exception, never a wrong value.
 */
class CodecPropertiesTest {

  /** A decoder under test. */
  private interface Decoder {
    Object decode(byte[] bytes) throws CorruptRecordException;
  }

  @Property
  void recordsRoundTrip(@ForAll long seed) throws CorruptRecordException {
    Random rnd = new Random(seed);
    RandomRecords g = new RandomRecords(rnd);
    KeyRecord r = g.record(g.family());
    byte[] bytes = RecordCodec.encode(r);
    KeyRecord back = RecordCodec.decode(bytes);
    assertThat(back).as("seed %d", seed).isEqualTo(r);
    assertThat(RecordCodec.encode(back)).isEqualTo(bytes);
  }

  @Property
  void logEntriesAndTheirKeysRoundTrip(@ForAll long seed) throws CorruptRecordException {
    Random rnd = new Random(seed);
    RandomRecords g = new RandomRecords(rnd);
    LogEntry e = entry(g, rnd);
    byte[] bytes = LogEntryCodec.encode(e);
    assertThat(LogEntryCodec.decode(e.id(), bytes)).as("seed %d", seed).isEqualTo(e);
    assertThat(LogEntryCodec.decodeKey(LogEntryCodec.key(e.id()))).isEqualTo(e.id());
    byte[] prefix = LogEntryCodec.keyPrefix(e.id().replica());
    byte[] key = LogEntryCodec.key(e.id());
    assertThat(Arrays.copyOf(key, prefix.length)).isEqualTo(prefix);
    // One origin's entries sort by sequence number.
    Dot next = new Dot(e.id().replica(), e.id().counter() + 1 + rnd.nextInt(1 << 20));
    assertThat(Arrays.compareUnsigned(key, LogEntryCodec.key(next))).isNegative();
  }

  @Property
  void anyChangedByteOrTruncationOfARecordIsACorruptRecord(@ForAll long seed) {
    Random rnd = new Random(seed);
    RandomRecords g = new RandomRecords(rnd);
    KeyRecord r = g.record(g.family());
    everyDamageIsRefused(seed, RecordCodec.encode(r), RecordCodec::decode, rnd);
  }

  @Property
  void anyChangedByteOrTruncationOfALogEntryIsACorruptRecord(@ForAll long seed) {
    Random rnd = new Random(seed);
    RandomRecords g = new RandomRecords(rnd);
    LogEntry e = entry(g, rnd);
    everyDamageIsRefused(seed, LogEntryCodec.encode(e), b -> LogEntryCodec.decode(e.id(), b), rnd);
  }

  @Example
  void everyValueOfEveryHeaderByteIsRefused() {
    Random rnd = new Random(42);
    RandomRecords g = new RandomRecords(rnd);
    for (int i = 0; i < 20; i++) {
      byte[] bytes = RecordCodec.encode(g.record(g.family()));
      for (int pos = 0; pos < RecordCodec.HEADER_BYTES; pos++) {
        for (int mask = 1; mask < 256; mask++) {
          byte[] d = bytes.clone();
          d[pos] ^= (byte) mask;
          refused(d, RecordCodec::decode, "header byte " + pos + " xor " + mask);
        }
      }
    }
  }

  private static void everyDamageIsRefused(long seed, byte[] bytes, Decoder dec, Random rnd) {
    for (int pos = 0; pos < bytes.length; pos++) {
      byte[] d = bytes.clone();
      d[pos] ^= (byte) (1 + rnd.nextInt(255));
      refused(d, dec, "seed " + seed + ": byte " + pos + " of " + bytes.length + " changed");
    }
    for (int len = 0; len < bytes.length; len++) {
      refused(Arrays.copyOf(bytes, len), dec, "seed " + seed + ": truncated to " + len + " bytes");
    }
  }

  private static void refused(byte[] damaged, Decoder dec, String what) {
    try {
      Object decoded = dec.decode(damaged);
      fail("%s: decoded as %s", what, decoded);
    } catch (CorruptRecordException expected) {
      // the only acceptable outcome
    } catch (RuntimeException e) {
      throw new AssertionError(what + ": threw " + e + " instead of CorruptRecordException", e);
    }
  }

  private static LogEntry entry(RandomRecords g, Random rnd) {
    KeyRecord r = g.record(g.family());
    ReplicaId origin = RandomRecords.REPLICAS.get(rnd.nextInt(RandomRecords.REPLICAS.size()));
    Dot id = new Dot(origin, 1 + rnd.nextLong(1L << 40));
    String name = RandomRecords.NAMES.get(rnd.nextInt(RandomRecords.NAMES.size()));
    HlcTimestamp at = new HlcTimestamp(rnd.nextLong(1L << 45), rnd.nextInt(1000));
    CrdtType t = r.type();
    VersionVector deps = VersionVector.EMPTY;
    if (rnd.nextBoolean()) {
      for (ReplicaId other : RandomRecords.REPLICAS) {
        if (!other.equals(origin) && rnd.nextBoolean()) {
          deps = deps.with(other, 1 + rnd.nextLong(1L << (1 + rnd.nextInt(40))));
        }
      }
    }
    return new LogEntry(
        id, KeyRef.of(t.family(), name), t, r.epoch(), r.live(), r.state(), r.epochDot(), at, deps);
  }

  /** Written by the version 1 encoder (before dependencies), and kept as it was written. */
  @Example
  void versionOneEntriesStillDecodeAsEntriesWithoutDependencies() throws CorruptRecordException {
    ReplicaId r = ReplicaId.of("geods-node-1.a1b2c3d4");
    byte[] increment =
        HexFormat.of()
            .parseHex(
                "010182c42693020a706167652d7669657773fbd095ffbc3102080110021a1567656f64732d6e6f"
                    + "64652d312e61316232633364342a0a0a060a01001201051200");
    LogEntry inc = LogEntryCodec.decode(new Dot(r, 42), increment);
    assertThat(inc.key()).isEqualTo(KeyRef.of(Family.COUNTERS, "page-views"));
    assertThat(inc.type()).isEqualTo(CrdtType.PN_COUNTER);
    assertThat(((PnCounter) inc.delta()).value()).isEqualTo(5);
    assertThat(inc.writtenAt()).isEqualTo(new HlcTimestamp(1_700_000_000_123L, 2));
    assertThat(inc.deps()).isEqualTo(VersionVector.EMPTY);
    byte[] delete =
        HexFormat.of()
            .parseHex(
                "010691ead60c050463617274f4d395ffbc3100f4d395ffbc31001567656f64732d6e6f64652d312e"
                    + "61316232633364341567656f64732d6e6f64652d312e61316232633364342b");
    LogEntry del = LogEntryCodec.decode(new Dot(r, 43), delete);
    assertThat(del.live()).isFalse();
    assertThat(del.epochDot()).isEqualTo(new Dot(r, 43));
    assertThat(del.epoch().timestamp()).isEqualTo(new HlcTimestamp(1_700_000_000_500L, 0));
    assertThat(del.deps()).isEqualTo(VersionVector.EMPTY);
    // Re-encoded in version 2: the same fields, and decoded back equal.
    assertThat(LogEntryCodec.encode(inc)[0]).isEqualTo((byte) LogEntryCodec.FORMAT_VERSION);
    assertThat(LogEntryCodec.decode(inc.id(), LogEntryCodec.encode(inc))).isEqualTo(inc);
  }

  @Example
  void anEntryNamingItsOwnOriginAsADependencyIsRefused() {
    ReplicaId a = RandomRecords.REPLICAS.get(0);
    ReplicaId b = RandomRecords.REPLICAS.get(1);
    LogEntry e =
        new LogEntry(
            new Dot(a, 7),
            KeyRef.of(Family.COUNTERS, "k"),
            CrdtType.G_COUNTER,
            Epoch.ZERO,
            true,
            CrdtType.G_COUNTER.empty(),
            null,
            new HlcTimestamp(1, 0),
            VersionVector.of(b, 3));
    byte[] bytes = LogEntryCodec.encode(e);
    // The same bytes read as an entry of b name b itself.
    refused(bytes, x -> LogEntryCodec.decode(new Dot(b, 7), x), "a dependency on the own origin");
  }

  /**
   * What dependencies cost: a counter increment with replica ids of 21 bytes (a node name and the 8
   * hex digits the store adds), carrying the whole vector of a cluster of 3 and of 9 origins (the
   * most an entry carries: the first after a restart, or under writes slower than merges).
   */
  @Example
  void dependenciesCostAReplicaIdAndASequencePerOrigin() {
    int[] sizes = new int[3];
    int[] origins = {1, 3, 9};
    for (int i = 0; i < origins.length; i++) {
      VersionVector deps = VersionVector.EMPTY;
      for (int o = 1; o < origins[i]; o++) {
        deps = deps.with(ReplicaId.of("geods-node-" + o + ".a1b2c3d4"), 1_000_000 + o);
      }
      LogEntry e =
          new LogEntry(
              new Dot(ReplicaId.of("geods-node-0.a1b2c3d4"), 1_234_567),
              KeyRef.of(Family.COUNTERS, "page-views"),
              CrdtType.PN_COUNTER,
              Epoch.ZERO,
              true,
              PnCounter.of(
                  GCounter.of(VersionVector.of(ReplicaId.of("geods-node-0.a1b2c3d4"), 5)),
                  GCounter.EMPTY),
              null,
              new HlcTimestamp(1_700_000_000_123L, 2),
              deps);
      sizes[i] = LogEntryCodec.encode(e).length;
    }
    System.out.printf(
        "counter increment entry: %d bytes without dependencies, %d with 3 origins, %d with 9%n",
        sizes[0], sizes[1], sizes[2]);
    // Per other origin: 1 byte of length, 21 of id, 3 of sequence; plus 1 byte of count.
    assertThat(sizes[1] - sizes[0]).isEqualTo(1 + 2 * 25);
    assertThat(sizes[2] - sizes[0]).isEqualTo(1 + 8 * 25);
  }
}
