package io.geodatastore.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.Conflict;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.Family;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The record join is a join: commutative, associative and idempotent over random records (random
 * epochs from a small pool so equal epochs recur, live and tombstone, states built by random
 * operations on a few replicas, and same-epoch pairs of different types). jqwik prints the failing
 * seed; {@code new Random(seed)} replays the records exactly.
 */
class KeyRecordPropertiesTest {

  private static KeyRecord join(KeyRecord a, KeyRecord b) {
    return KeyRecord.merge(a, b).record();
  }

  @Property
  void joinIsCommutative(@ForAll long seed) {
    Random rnd = new Random(seed);
    RandomRecords g = new RandomRecords(rnd);
    Family f = g.family();
    KeyRecord a = g.record(f);
    KeyRecord b = g.record(f);
    assertThat(join(a, b)).as("seed %d: %s ⊔ %s", seed, a, b).isEqualTo(join(b, a));
  }

  @Property
  void joinIsAssociative(@ForAll long seed) {
    Random rnd = new Random(seed);
    RandomRecords g = new RandomRecords(rnd);
    Family f = g.family();
    KeyRecord a = g.record(f);
    KeyRecord b = g.record(f);
    KeyRecord c = g.record(f);
    assertThat(join(join(a, b), c))
        .as("seed %d: %s, %s, %s", seed, a, b, c)
        .isEqualTo(join(a, join(b, c)));
  }

  @Property
  void joinIsIdempotentAndReturnsTheLocalRecordWhenNothingChanges(@ForAll long seed) {
    Random rnd = new Random(seed);
    RandomRecords g = new RandomRecords(rnd);
    KeyRecord a = g.record(g.family());
    assertThat(KeyRecord.merge(a, a).record()).isSameAs(a);
    assertThat(KeyRecord.merge(null, a).record()).isSameAs(a);
    KeyRecord b = g.record(a.type().family());
    KeyRecord ab = join(a, b);
    // The join is an upper bound: joining either side again changes nothing.
    assertThat(join(ab, a)).as("seed %d", seed).isEqualTo(ab);
    assertThat(join(ab, b)).as("seed %d", seed).isEqualTo(ab);
  }

  @Property
  void sameEpochDifferentTypesResolveToTheLowerTagWhateverTheOrder(@ForAll long seed) {
    Random rnd = new Random(seed);
    RandomRecords g = new RandomRecords(rnd);
    Family f = rnd.nextBoolean() ? Family.SETS : g.family();
    List<CrdtType> types = RandomRecords.typesOf(f);
    CrdtType t1 = types.get(rnd.nextInt(types.size()));
    CrdtType t2 = types.get(rnd.nextInt(types.size()));
    Epoch e = RandomRecords.EPOCHS.get(rnd.nextInt(RandomRecords.EPOCHS.size()));
    KeyRecord a = g.record(t1, e);
    KeyRecord b = g.record(t2, e);
    KeyRecord.Merged ab = KeyRecord.merge(a, b);
    KeyRecord.Merged ba = KeyRecord.merge(b, a);
    assertThat(ab.record()).as("seed %d", seed).isEqualTo(ba.record());
    if (t1 != t2 && a.live() && b.live()) {
      CrdtType lower = t1.tag() < t2.tag() ? t1 : t2;
      assertThat(ab.record().type()).isEqualTo(lower);
      assertThat(ab.conflicts())
          .singleElement()
          .extracting(Conflict::kind)
          .isEqualTo(Conflict.Kind.TYPE_MISMATCH);
    }
    if (t1 != t2 && a.live() != b.live()) {
      assertThat(ab.record()).isEqualTo(a.live() ? a : b);
    }
  }

  @Property
  void aGreaterEpochWinsWholesale(@ForAll long seed) {
    Random rnd = new Random(seed);
    RandomRecords g = new RandomRecords(rnd);
    Family f = g.family();
    KeyRecord a = g.record(f);
    KeyRecord b = g.record(f);
    int c = a.epoch().compareTo(b.epoch());
    if (c != 0) {
      assertThat(join(a, b)).isEqualTo(c > 0 ? a : b);
    }
  }

  @Property
  void normalizeForgetsExactlyTheStableEpochs(@ForAll long seed) {
    Random rnd = new Random(seed);
    RandomRecords g = new RandomRecords(rnd);
    KeyRecord r = g.record(g.family());
    VersionVector h = g.horizon();
    KeyRecord n = r.normalize(h);
    boolean stable = r.epochDot() != null && h.contains(r.epochDot());
    if (!stable) {
      assertThat(n).isSameAs(r);
    } else if (!r.live()) {
      assertThat(n).as("a stable tombstone is dropped").isNull();
    } else {
      assertThat(n.epoch()).isEqualTo(Epoch.ZERO);
      assertThat(n.epochDot()).isNull();
      assertThat(n.live()).isTrue();
      assertThat(n.state()).isEqualTo(r.state());
      assertThat(n.type()).isEqualTo(r.type());
      assertThat(n.normalize(h)).as("idempotent").isSameAs(n);
    }
    // A greater horizon never brings an epoch back.
    VersionVector more = h.merge(g.horizon());
    if (n == null) {
      assertThat(r.normalize(more)).isNull();
    } else {
      KeyRecord again = n.normalize(more);
      assertThat(again == null || again.epoch().isZero() || again == n).isTrue();
    }
  }

  @Example
  void aLiveWriteInTheDeletesEpochJoinsWithTheTombstone() {
    RandomRecords g = new RandomRecords(new Random(7));
    Epoch e = RandomRecords.EPOCHS.get(1);
    KeyRecord tomb = KeyRecord.tombstone(CrdtType.OR_SET, e, RandomRecords.epochDot(e));
    KeyRecord live =
        new KeyRecord(
            CrdtType.OR_SET, e, true, g.state(CrdtType.OR_SET), RandomRecords.epochDot(e));
    assertThat(join(tomb, live)).isEqualTo(live);
    assertThat(join(live, tomb)).isEqualTo(live);
  }
}
