package io.geodatastore.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.crdt.CrdtType;
import java.util.Arrays;
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
    return new LogEntry(
        id, KeyRef.of(t.family(), name), t, r.epoch(), r.live(), r.state(), r.epochDot(), at);
  }
}
