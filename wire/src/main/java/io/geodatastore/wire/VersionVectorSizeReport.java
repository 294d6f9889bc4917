package io.geodatastore.wire;

import com.google.protobuf.CodedOutputStream;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.OrSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * How much smaller the compact encoding of causal metadata is than a naive one, in bytes. Pure
 * arithmetic on fixed, seeded inputs, so the figures are the same on every run.
 *
 * <p>The naive encoding writes, for each entry or dot, the replica id as a length-prefixed UTF-8
 * string (a one-byte length for these ids) and the counter as 8 big-endian bytes. The compact
 * encoding is this module's: a sorted replica dictionary sent once, then dictionary indices and
 * counters as packed varints.
 */
public final class VersionVectorSizeReport {

  /** Nine region-like replica ids, as a geo-replicated deployment names them. */
  public static final List<String> REGIONS =
      List.of(
          "us-east-1",
          "us-east-2",
          "us-west-2",
          "eu-west-1",
          "eu-central-1",
          "ap-south-1",
          "ap-northeast-1",
          "ap-southeast-1",
          "ap-southeast-3");

  static final int BATCH_VECTORS = 100;
  static final int OR_SET_ELEMENTS = 10_000;
  static final long COUNTER_MAX = 1_000_000;
  private static final long SEED = 20_240_601L;

  /**
   * One comparison.
   *
   * @param name what was encoded
   * @param naiveBytes the naive encoding's size
   * @param compactBytes the compact encoding's size
   */
  public record Row(String name, long naiveBytes, long compactBytes) {
    /** The fraction of the naive size saved: 0.75 means 75% smaller. */
    public double savedFraction() {
      return 1.0 - (double) compactBytes / naiveBytes;
    }
  }

  private VersionVectorSizeReport() {}

  public static void main(String[] args) {
    System.out.print(format(measure()));
  }

  /** The three cases: a standalone vector, a batch sharing a dictionary, an OR-Set's dots. */
  public static List<Row> measure() {
    Random rnd = new Random(SEED);
    List<Row> rows = new ArrayList<>();

    VersionVector one = randomVector(rnd);
    rows.add(
        new Row(
            "(a) 1 VV, 9 replicas, own dictionary",
            naiveBytes(one),
            VersionVectorCodec.encode(one).length));

    List<VersionVector> batch = new ArrayList<>();
    for (int i = 0; i < BATCH_VECTORS; i++) {
      batch.add(randomVector(rnd));
    }
    long naiveBatch = 0;
    for (VersionVector v : batch) {
      naiveBatch += naiveBytes(v);
    }
    rows.add(
        new Row(
            "(b) " + BATCH_VECTORS + " VVs, 9 replicas, shared dictionary",
            naiveBatch,
            sharedDictionaryBytes(batch)));

    rows.add(orSetRow());
    return rows;
  }

  /** The table, one row per case. */
  public static String format(List<Row> rows) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT, "%-46s %12s %12s %8s%n", "case", "naive B", "compact B", "smaller"));
    for (Row r : rows) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%-46s %12d %12d %7.1f%%%n",
              r.name(),
              r.naiveBytes(),
              r.compactBytes(),
              100 * r.savedFraction()));
    }
    return sb.toString();
  }

  /** Per entry: length-prefixed UTF-8 replica id, then an 8-byte big-endian counter. */
  static long naiveBytes(VersionVector v) {
    long n = 0;
    for (int i = 0; i < v.size(); i++) {
      n += naiveReplicaBytes(v.replicaAt(i)) + Long.BYTES;
    }
    return n;
  }

  private static long naiveReplicaBytes(ReplicaId r) {
    int len = r.value().getBytes(StandardCharsets.UTF_8).length;
    return (long) CodedOutputStream.computeUInt32SizeNoTag(len) + len;
  }

  /**
   * The size of one message carrying {@code vectors} against one dictionary, as a later replication
   * message would: {@code repeated string replicas = 1; repeated CompactVersionVector vectors =
   * 2;}.
   */
  static long sharedDictionaryBytes(List<VersionVector> vectors) {
    ReplicaDictionary.Builder b = ReplicaDictionary.builder();
    vectors.forEach(b::addAll);
    ReplicaDictionary dict = b.build();
    long n = 0;
    for (String r : dict.toWire()) {
      n += CodedOutputStream.computeStringSize(1, r);
    }
    for (VersionVector v : vectors) {
      n += CodedOutputStream.computeMessageSize(2, VersionVectorCodec.toProto(v, dict));
    }
    return n;
  }

  /**
   * An OR-Set of 10,000 elements added round-robin by the nine replicas: the bytes of its causal
   * metadata (each element's dot, the causal context, the dictionary, the envelope) compared with a
   * naive dot per element plus a naive context vector. Element text is left out of both.
   */
  private static Row orSetRow() {
    OrSet s = OrSet.EMPTY;
    for (int i = 0; i < OR_SET_ELEMENTS; i++) {
      ReplicaId r = ReplicaId.of(REGIONS.get(i % REGIONS.size()));
      s = s.add(r, "\"element-" + i + "\"").state();
    }
    long naive = naiveBytes(s.context().versionVector());
    long elementBytes = 0;
    for (var e : s.entries()) {
      for (var d : e.getValue().toList()) {
        naive += naiveReplicaBytes(d.replica()) + Long.BYTES;
      }
      elementBytes += CodedOutputStream.computeStringSize(1, e.getKey());
    }
    long compact = CrdtCodec.encode(s).length - elementBytes;
    return new Row("(c) OR-Set, 10,000 elements, 9 replicas: dots", naive, compact);
  }

  private static VersionVector randomVector(Random rnd) {
    VersionVector v = VersionVector.EMPTY;
    for (String r : REGIONS) {
      v = v.with(ReplicaId.of(r), 1 + rnd.nextLong(COUNTER_MAX));
    }
    return v;
  }
}
