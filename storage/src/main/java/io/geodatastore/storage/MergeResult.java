package io.geodatastore.storage;

import io.geodatastore.core.crdt.Conflict;
import java.util.List;

/**
 * The outcome of merging a replicated entry or record.
 *
 * @param changed whether the local record changed
 * @param repaired whether the merge replaced a quarantined (corrupt) record
 * @param conflicts what the conflict log should record
 */
public record MergeResult(boolean changed, boolean repaired, List<Conflict> conflicts) {
  public MergeResult {
    conflicts = List.copyOf(conflicts);
  }
}
