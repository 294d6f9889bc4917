package io.geodatastore.storage;

import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.op.Operation;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A replica's durable state: every key's record, the replication log of the deltas this replica
 * originated, and the replica's identity.
 *
 * <p>Every write is one atomic batch holding the new record and its replication-log entry: after
 * any crash both are there or neither. Futures complete once the batch is durable under the
 * configured {@link Durability}. Writes to one key are serialised by the key's shard, so any number
 * of concurrent writers lose nothing.
 */
public interface Store extends AutoCloseable {

  /** This replica's identity: the origin of its dots and log entries; stable across restarts. */
  ReplicaId replicaId();

  /** The node name the store was created for. */
  String nodeId();

  /**
   * Applies a client operation, creating the key with the family's default type if needed. The
   * future completes on the store's thread.
   */
  CompletableFuture<WriteResult> write(KeyRef key, Operation op);

  /**
   * As {@link #write(KeyRef, Operation)}, but the future completes on {@code completer} (on the
   * store's thread if it refuses the task). Every future of one group-commit batch bound for the
   * same executor (the same instance) completes in one task there: an HTTP event loop is woken once
   * per batch instead of once per request.
   */
  CompletableFuture<WriteResult> write(KeyRef key, Operation op, Executor completer);

  /** Deletes a key, leaving a tombstone that begins a new epoch. */
  CompletableFuture<WriteResult> delete(KeyRef key);

  /**
   * As {@link #delete(KeyRef)}, completing on {@code completer} like {@link #write(KeyRef,
   * Operation, Executor)}.
   */
  CompletableFuture<WriteResult> delete(KeyRef key, Executor completer);

  /**
   * Sets what runs each time entries of this replica's log become durable: once per group-commit
   * batch that appended any (not once per write), on the store's thread, before the batch's futures
   * complete. Replication ships the new entries from there. It must return quickly and never block;
   * the last one set wins.
   */
  void onLogDurable(Runnable listener);

  /**
   * Merges a replicated entry from another origin. Idempotent. The entry counts as visible (see
   * {@link #visible()}) from the call on: writes made after it depend on it.
   */
  CompletableFuture<MergeResult> merge(LogEntry entry);

  /**
   * Merges a full record (anti-entropy, read repair). Repairs a quarantined key. Idempotent. Call
   * {@link #noteVisible} with what the sender's records covered first.
   */
  CompletableFuture<MergeResult> mergeRecord(KeyRef key, KeyRecord record);

  /**
   * Records that records about to be merged (by {@link #mergeRecord}) may show the effects of the
   * entries {@code covers} names: every later write here depends on them. Call it before merging,
   * with the sender's {@link #visible()} taken after it read the records it ships. Persisted before
   * any merge that follows it; entries of this replica's own origin in {@code covers} are ignored.
   */
  void noteVisible(VersionVector covers);

  /**
   * Per origin, the highest sequence whose effect this replica's records may show: other origins'
   * entries handed to merges or noted by {@link #noteVisible}, and this replica's own writes up to
   * the last sequence it allocated. What a sender of full records passes to the receiver's {@link
   * #noteVisible}.
   */
  VersionVector visible();

  /** The key's live state. */
  ReadResult read(KeyRef key);

  /**
   * {@link #read} if it needs no disk I/O (all it reads is in memory), else null: so that a caller
   * on a thread that must not block (an event loop) can answer at once and hand only the rest to a
   * thread that may.
   */
  ReadResult readInMemory(KeyRef key);

  /** The key's record including tombstones, or null when absent (anti-entropy ships these). */
  KeyRecord readRecord(KeyRef key) throws CorruptRecordException;

  /** Live keys of {@code family} whose name starts with {@code prefix}, after {@code after}. */
  List<KeyListing> list(Family family, String prefix, String after, int limit);

  /** The highest sequence number below which every entry this replica originated is durable. */
  long lastSequence();

  /**
   * Up to {@code maxEntries} (and about {@code maxBytes}) entries of {@code origin} from {@code
   * fromSeq}.
   */
  List<LogEntry> readLog(ReplicaId origin, long fromSeq, int maxEntries, long maxBytes);

  /** {@link #readLog}, each entry with its bytes as stored. */
  List<StoredLogEntry> readLogStored(ReplicaId origin, long fromSeq, int maxEntries, long maxBytes);

  /** The lowest sequence of {@code origin} still in the log, or 0 when it holds none. */
  long firstRetainedSequence(ReplicaId origin);

  /** The persisted watermark of {@code origin}'s entries merged here (0 when none). */
  long applied(ReplicaId origin);

  /**
   * Persists that every entry of {@code origin} up to {@code seq} is merged here. Not synced: after
   * a crash the watermark may be older, and the entries after it are merged again (harmlessly).
   */
  void recordApplied(ReplicaId origin, long seq);

  /**
   * The peers' acknowledgements of this replica's log (peer node id to sequence), as last recorded;
   * empty when never. They hold log trimming back, across restarts, for peers not yet heard from.
   */
  java.util.Map<String, Long> peerAcks();

  /**
   * Replaces the recorded peer acknowledgements. Written before any trim that relies on them (in
   * write-ahead-log order, so a crash can never keep the trim and lose the acknowledgements).
   */
  void recordPeerAcks(java.util.Map<String, Long> acks);

  /** Removes {@code origin}'s entries up to and including {@code throughSeq}; returns how many. */
  long trimLog(ReplicaId origin, long throughSeq);

  /**
   * Drops what is causally stable under {@code horizon} (per-origin sequence numbers), after
   * raising the store's horizon to include it ({@link #raiseHorizon}).
   */
  GcResult gc(VersionVector horizon);

  // ---- the anti-entropy tree (Merkle), kept current by every write ----

  /** The sums of the anti-entropy tree's branches ({@link Merkle#BRANCHES} of them), current. */
  long[] merkleBranches();

  /** The sums of the leaves of {@code branch} ({@link Merkle#LEAVES_PER_BRANCH} of them). */
  long[] merkleLeaves(int branch);

  /**
   * Keys of leaves {@code fromLeaf} (inclusive) to {@code toLeaf} (exclusive) with the hash the
   * tree holds for each, ordered by leaf then key; whole leaves only, stopping after the leaf in
   * which {@code maxKeys} is reached. Quarantined keys are included with the hash the tree holds.
   */
  MerklePage merkleKeys(int fromLeaf, int toLeaf, int maxKeys);

  /**
   * Recomputes every leaf from the key index, fixes those that were wrong, and returns how many.
   */
  int verifyMerkle();

  /**
   * The causal-stability horizon this store applies: merges and reads treat an epoch whose delete
   * it includes as the zero epoch, and {@link #gc} collects under it. Persisted; never shrinks.
   */
  VersionVector horizon();

  /**
   * Raises {@link #horizon()} to include {@code horizon}, durably before any record written under
   * it (write-ahead-log order). The horizon must be causally stable: every replica has each delete
   * it includes and every write concurrent with that delete. Replication raises it before merging
   * entries that a replica with that horizon may have written.
   */
  void raiseHorizon(VersionVector horizon);

  /**
   * The opaque state the cluster layer keeps with this replica (causal-stability bookkeeping: the
   * ranges skipped in other origins' logs, peers' progress), as last recorded; null when never.
   */
  byte[] clusterState();

  /**
   * Records the cluster layer's state. Written in write-ahead-log order with everything after it (a
   * crash never keeps a later applied mark and loses the state recorded before it).
   */
  void recordClusterState(byte[] state);

  /**
   * The conflicts this replica resolved, newest first, within the conflict log's bounds (count and
   * age, {@link StoreConfig}). Every write and merge that hides, drops or refuses a write logs its
   * {@link io.geodatastore.core.crdt.Conflict}s in the same atomic batch as its record, so the log
   * survives restarts and a crash never keeps one without the other.
   *
   * @param family only keys of this family, or any when null
   * @param name only keys with this name, or any when null
   * @param limit the most entries returned
   */
  List<ConflictRecord> conflicts(Family family, String name, int limit);

  /**
   * Deletes conflict-log entries past the age bound or over the count bound (the store also trims
   * by count on its own as entries are added); returns how many it deleted.
   */
  long expireConflicts();

  /** Writes a consistent snapshot of the running store to {@code dir} (which must not exist). */
  void checkpoint(Path dir);

  StorageStats stats();

  List<QuarantinedKey> quarantined();

  /** Stops accepting work, finishes queued batches, and closes the database. */
  @Override
  void close();
}
