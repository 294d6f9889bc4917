package io.geodatastore.sim;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.storage.KeyedRecord;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * For the simulator's model only: which client operations each full record read for a peer
 * reflected at the replica that read it. Records travel between simulated nodes as the same Java
 * objects (nothing is encoded), so the one read is recognised where it is merged by identity, and
 * the merging replica learns exactly what the record carried.
 */
public final class RecordProvenance {

  private final Map<KeyedRecord, Set<Dot>> byRecord = new IdentityHashMap<>();

  /** {@code record} was read where the key's record reflected {@code ops}. */
  void note(KeyedRecord record, Set<Dot> ops) {
    byRecord.put(record, Set.copyOf(ops));
  }

  /** What {@code record} reflected where it was read; none when it was not read by a replica. */
  Set<Dot> of(KeyedRecord record) {
    return byRecord.getOrDefault(record, Set.of());
  }
}
