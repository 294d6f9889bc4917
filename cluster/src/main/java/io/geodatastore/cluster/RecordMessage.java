package io.geodatastore.cluster;

import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.KeyedRecord;
import java.util.List;
import java.util.Objects;

/**
 * Full records shipped between two replicas, for anti-entropy and for reads that merge several
 * replicas (and repair those that were behind). Requests name where to answer, so that a node can
 * answer a peer its membership has not reported yet; answers carry the request's id.
 */
public sealed interface RecordMessage extends ClusterMessage {

  /** The most keys one request may name. */
  int KEYS_MAX = 4096;

  NodeId from();

  long requestId();

  /** Asks for the records of {@code keys}: answered by {@link Records}. */
  record FetchRecords(NodeId from, NodeAddress replyTo, long requestId, List<KeyRef> keys)
      implements RecordMessage {
    public FetchRecords {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(replyTo, "replyTo");
      keys = List.copyOf(keys);
      if (keys.size() > KEYS_MAX) {
        throw new IllegalArgumentException("a fetch of " + keys.size() + " keys");
      }
    }
  }

  /**
   * The answer to a {@link FetchRecords}: every key asked for is in exactly one list.
   *
   * @param found the records of keys the sender holds (tombstones included)
   * @param absent keys the sender has no record of
   * @param unreadable keys the sender holds but could not read (quarantined as corrupt)
   * @param deferred keys left out to bound the answer's size: ask again
   * @param covers at least every origin sequence whose effect the records may show (the sender's
   *     own last sequence, and what it had handed to merges of other origins): an upper bound
   * @param applied origin sequences whose effect the records show for certain (the sender's applied
   *     vector, taken before it read them): a lower bound, which a session read uses to tell
   *     whether an answer covers what the session saw; empty from a sender that does not say
   */
  record Records(
      NodeId from,
      long requestId,
      List<KeyedRecord> found,
      List<KeyRef> absent,
      List<KeyRef> unreadable,
      List<KeyRef> deferred,
      VersionVector covers,
      VersionVector applied)
      implements RecordMessage {
    public Records {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(covers, "covers");
      Objects.requireNonNull(applied, "applied");
      found = List.copyOf(found);
      absent = List.copyOf(absent);
      unreadable = List.copyOf(unreadable);
      deferred = List.copyOf(deferred);
    }

    /** An answer that claims no lower bound. */
    public Records(
        NodeId from,
        long requestId,
        List<KeyedRecord> found,
        List<KeyRef> absent,
        List<KeyRef> unreadable,
        List<KeyRef> deferred,
        VersionVector covers) {
      this(from, requestId, found, absent, unreadable, deferred, covers, VersionVector.EMPTY);
    }
  }

  /**
   * Records for the receiver to merge (anti-entropy's push half, read repair): answered by {@link
   * PushAck}. {@code covers} is as in {@link Records}.
   *
   * @param past what the receiver must have applied before it merges the records (every origin but
   *     its own): their causal past beyond what they carry themselves. At most {@code covers};
   *     lower where the sender knows the records hold every entry of an origin the receiver lacks
   *     (read repair pushing this node's own recent writes). Equal to {@code covers} unless said.
   * @param waitMaxMs how long the receiver may wait for {@code past} before it refuses the records
   *     (acknowledged not ok, nothing merged); 0: as long as its causal gate allows, then forced in
   */
  record PushRecords(
      NodeId from,
      NodeAddress replyTo,
      long requestId,
      List<KeyedRecord> records,
      VersionVector covers,
      VersionVector past,
      long waitMaxMs)
      implements RecordMessage {
    public PushRecords {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(replyTo, "replyTo");
      Objects.requireNonNull(covers, "covers");
      Objects.requireNonNull(past, "past");
      records = List.copyOf(records);
      if (records.size() > KEYS_MAX) {
        throw new IllegalArgumentException("a push of " + records.size() + " records");
      }
      if (waitMaxMs < 0) {
        throw new IllegalArgumentException("waitMaxMs " + waitMaxMs);
      }
    }

    /** A push whose past is its covers, waiting as long as the receiver's gate allows. */
    public PushRecords(
        NodeId from,
        NodeAddress replyTo,
        long requestId,
        List<KeyedRecord> records,
        VersionVector covers) {
      this(from, replyTo, requestId, records, covers, covers, 0);
    }
  }

  /**
   * The answer to a {@link PushRecords}.
   *
   * @param ok whether every record is durable at the sender of the ack
   * @param changed how many of them changed its state
   */
  record PushAck(NodeId from, long requestId, boolean ok, int changed) implements RecordMessage {}
}
