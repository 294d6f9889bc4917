package io.geodatastore.cluster.coordination;

import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.storage.KeyRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * The state of one session read that fell back to fetching the key from other replicas, apart from
 * any driver. It keeps the join of the records gathered so far and a lower bound of what that join
 * shows for certain: the join of each contributor's applied vector, taken before it read its record
 * (a replica's records show every entry its applied vector names, and the join of records shows
 * everything either shows). The read can be answered once that lower bound covers the session's
 * past.
 */
final class SessionRound {

  private final VersionVector past;
  private VersionVector shown = VersionVector.EMPTY;
  private VersionVector covers = VersionVector.EMPTY;
  private KeyRecord merged;
  private int answered;

  /**
   * @param past what the session saw (already restricted to what this node can wait for)
   */
  SessionRound(VersionVector past) {
    this.past = past;
  }

  /**
   * Takes a replica's record of the key (this node's included).
   *
   * @param record its record, null when it has none
   * @param applied what its records showed for certain before it read this one
   * @param mayShow what its record may show (an upper bound)
   */
  void add(KeyRecord record, VersionVector applied, VersionVector mayShow) {
    answered++;
    shown = shown.merge(applied);
    covers = covers.merge(mayShow);
    if (record != null) {
      merged = KeyRecord.merge(merged, record).record();
    }
  }

  /** Whether the join shows everything the session saw. */
  boolean covered() {
    return shown.dominates(past);
  }

  KeyRecord merged() {
    return merged;
  }

  VersionVector covers() {
    return covers;
  }

  int answered() {
    return answered;
  }

  /** For messages: the origins the join does not show far enough, e.g. "r1 (3 of 7)". */
  String missing() {
    List<String> out = new ArrayList<>();
    past.forEach(
        (ReplicaId origin, long seq) -> {
          long have = shown.get(origin);
          if (have < seq && out.size() < 3) {
            out.add(origin + " through " + seq + " (found through " + have + ")");
          }
        });
    int missing = 0;
    for (int i = 0; i < past.size(); i++) {
      if (shown.get(past.replicaAt(i)) < past.counterAt(i)) {
        missing++;
      }
    }
    return String.join(", ", out)
        + (missing > out.size() ? " and " + (missing - out.size()) + " more" : "");
  }
}
