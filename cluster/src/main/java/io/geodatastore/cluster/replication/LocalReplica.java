package io.geodatastore.cluster.replication;

import io.geodatastore.cluster.NodeId;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.storage.KeyHash;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.KeyedRecord;
import io.geodatastore.storage.LogEntry;
import io.geodatastore.storage.MerklePage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The replication layer's view of this node's store. The node implements it over the RocksDB store
 * and the simulator over an in-memory one. Completion callbacks run on the node's single logical
 * thread (the same one that drives the {@code Env}).
 */
public interface LocalReplica {

  /** This replica's id: the origin of its log entries. */
  ReplicaId replicaId();

  /** The highest sequence such that every entry this replica originated up to it is durable. */
  long lastSequence();

  /** This replica's own log entries from {@code fromSeq}, bounded by count and bytes. */
  List<LogEntry> readLog(long fromSeq, int maxEntries, long maxBytes);

  /** The lowest sequence still in this replica's own log, or {@code lastSequence() + 1} if none. */
  long firstRetainedSequence();

  /** Trims this replica's own log up to and including {@code throughSeq}. */
  void trimLog(long throughSeq);

  /**
   * Merges entries of another origin and calls {@code done} once every one is durable (with false
   * if the store failed; the entries then count as not received).
   */
  void merge(List<LogEntry> entries, java.util.function.Consumer<Boolean> done);

  /** The persisted watermark of {@code origin}'s entries merged here (0 when none). */
  long applied(ReplicaId origin);

  /** Persists that every entry of {@code origin} up to {@code seq} is merged here. */
  void recordApplied(ReplicaId origin, long seq);

  /**
   * The peers' acknowledgements of this replica's log, as {@link #recordPeerAcks} last persisted
   * them (at every trim, and whenever the set of peers changes; empty when never). After a restart
   * they hold the trim back for peers membership has not reported yet (a peer that is down or
   * behind a partition is not in a fresh view, and trimming past it would leave it to anti-entropy
   * for no reason).
   */
  Map<NodeId, Long> peerAcks();

  /** Persists the peers' acknowledgements, before a trim that relies on them. */
  void recordPeerAcks(Map<NodeId, Long> acks);

  /**
   * What the local records reflect at least: this replica's last durable sequence, and for every
   * other origin its applied watermark. A read served now shows every entry this vector names.
   */
  VersionVector appliedVector();

  /**
   * What the local records may reflect at most: this replica's last sequence (allocated, durable or
   * not yet), and for every other origin the highest sequence handed to a merge (durable or not
   * yet) or covered by merged full records. A read served now shows nothing beyond it. It survives
   * a restart, and every write made here depends on it ({@code Store.visible}, causal delivery).
   */
  VersionVector coverage();

  /**
   * Reads the full records of {@code keys}, off the logical thread when the store is slow, and
   * calls {@code done} on the logical thread.
   */
  void readRecords(List<KeyRef> keys, Consumer<RecordRead> done);

  /**
   * The records read for some keys: every key asked for is in exactly one list.
   *
   * @param found keys with a record (tombstones included)
   * @param absent keys without one
   * @param unreadable keys whose stored record is corrupt (quarantined)
   */
  record RecordRead(List<KeyedRecord> found, List<KeyRef> absent, List<KeyRef> unreadable) {
    public RecordRead {
      found = List.copyOf(found);
      absent = List.copyOf(absent);
      unreadable = List.copyOf(unreadable);
    }
  }

  /**
   * Merges full records of another replica (anti-entropy, read repair; a record replaces a
   * quarantined one), after noting that they reflect at most {@code covers} (the sender's {@link
   * #coverage()} taken after it read them: every later write here depends on it), and calls {@code
   * done} on the logical thread with how many changed the local state once all are durable, or with
   * -1 when the store failed.
   */
  void mergeRecords(List<KeyedRecord> records, VersionVector covers, IntConsumer done);

  /**
   * The causal-stability horizon this replica applies to merges, reads and garbage collection, as
   * persisted; it only grows.
   */
  VersionVector horizon();

  /**
   * Raises the horizon to include {@code horizon}, durably before anything merged or collected
   * after this call (write-ahead-log order suffices).
   */
  void raiseHorizon(VersionVector horizon);

  /** Replication's causal-stability state as {@link #recordStabilityState} last persisted it. */
  byte[] stabilityState();

  /**
   * Persists replication's causal-stability state (among it the skipped ranges of other origins),
   * in order before every applied mark recorded after it: a crash must never keep a watermark that
   * jumped over a range and lose the record of that range.
   */
  void recordStabilityState(byte[] state);

  // ---- the anti-entropy tree (storage's Merkle), kept current by every write and merge ----

  /** The tree's {@code Merkle.BRANCHES} branch sums, current. Cheap: kept in memory. */
  long[] merkleBranches();

  /** The {@code Merkle.LEAVES_PER_BRANCH} leaf sums of {@code branch}, current. Cheap. */
  long[] merkleLeaves(int branch);

  /**
   * Reads the keys of {@code leaves} (ascending) with the hash the tree holds for each, whole
   * leaves in order, stopping after the leaf in which {@code keysMax} keys are reached; off the
   * logical thread when the store is slow, and calls {@code done} on the logical thread.
   */
  void merkleKeys(List<Integer> leaves, int keysMax, Consumer<LeafKeys> done);

  /**
   * Keys of some leaves.
   *
   * @param keys the keys of the first {@code leavesRead} leaves asked for, in leaf order
   * @param leavesRead how many leaves were read in full (all of them, or at least one)
   */
  record LeafKeys(List<KeyHash> keys, int leavesRead) {
    public LeafKeys {
      keys = List.copyOf(keys);
    }
  }

  /** A range read of a tree's keys, as {@code Store.merkleKeys} answers it. */
  @FunctionalInterface
  interface PageReader {
    MerklePage keys(int fromLeaf, int toLeaf, int maxKeys);
  }

  /**
   * Answers {@link #merkleKeys} through range reads: consecutive leaves are read as one range, and
   * reading stops after the leaf in which {@code keysMax} keys are reached.
   */
  static LeafKeys readLeaves(List<Integer> leaves, int keysMax, PageReader reader) {
    List<KeyHash> keys = new ArrayList<>();
    int i = 0;
    while (i < leaves.size() && keys.size() < keysMax) {
      int j = i + 1;
      while (j < leaves.size() && leaves.get(j) == leaves.get(j - 1) + 1) {
        j++;
      }
      int to = leaves.get(j - 1) + 1;
      MerklePage page = reader.keys(leaves.get(i), to, keysMax - keys.size());
      keys.addAll(page.keys());
      while (i < j && leaves.get(i) < page.nextLeaf()) {
        i++;
      }
      if (page.nextLeaf() < to) {
        break;
      }
    }
    return new LeafKeys(keys, i);
  }

  /** Keys whose stored record is corrupt (quarantined) and awaits a full record from a peer. */
  List<KeyRef> quarantined();
}
