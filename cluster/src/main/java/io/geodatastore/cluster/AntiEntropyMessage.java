package io.geodatastore.cluster;

import io.geodatastore.core.causal.VersionVector;
import io.geodatastore.storage.KeyHash;
import io.geodatastore.storage.KeyedRecord;
import io.geodatastore.storage.Merkle;
import java.util.List;
import java.util.Objects;

/**
 * The tree half of Merkle-tree anti-entropy ({@code repair.AntiEntropy}): one replica asks another
 * for its tree top-down (the root and branch sums, then the leaf sums of the branches that differ,
 * then the keys and key hashes of the leaves that differ); the records themselves then travel as
 * {@link RecordMessage}s, or, for leaves the asker holds nothing of, whole leaves' records at once
 * ({@link LeafRecordsRequest}). Requests name where to answer; answers carry the request's id.
 *
 * <p>Bounded: a request names at most {@link #BRANCHES_MAX} branches or {@link #LEAVES_MAX} leaves,
 * and an answer of keys holds at most {@link #KEYS_REPLY_MAX} keys.
 */
public sealed interface AntiEntropyMessage extends ClusterMessage {

  /** The most branches one {@link LeavesRequest} may name (their leaves: 128 KiB of sums). */
  int BRANCHES_MAX = 64;

  /** The most leaves one {@link KeysRequest} may name. */
  int LEAVES_MAX = 4096;

  /** The most keys one {@link KeysReply} may hold (whole leaves may run past a request's bound). */
  int KEYS_REPLY_MAX = 65_536;

  NodeId from();

  long requestId();

  /**
   * Asks for the tree's top: answered by {@link TreeReply}.
   *
   * @param root the asker's root, so that an equal tree is answered without its branches
   * @param horizon the asker's causal-stability horizon, which the answerer adopts before it merges
   *     anything the asker pushes
   */
  record TreeRequest(
      NodeId from, NodeAddress replyTo, long requestId, long root, VersionVector horizon)
      implements AntiEntropyMessage {
    public TreeRequest {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(replyTo, "replyTo");
      Objects.requireNonNull(horizon, "horizon");
    }
  }

  /**
   * The answer to a {@link TreeRequest}.
   *
   * @param root the sender's root
   * @param branches its {@link Merkle#BRANCHES} branch sums, or none when {@code root} equals the
   *     asker's
   * @param complete the sender's complete watermarks (everything of each origin up to them merged
   *     there, no hole below) just before its tree was read: once every difference found below has
   *     been shipped, the asker holds all of it
   * @param horizon the sender's causal-stability horizon, which the asker adopts before it merges
   *     anything the sender sends
   */
  record TreeReply(
      NodeId from,
      long requestId,
      long root,
      TreeSums branches,
      VersionVector complete,
      VersionVector horizon)
      implements AntiEntropyMessage {
    public TreeReply {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(branches, "branches");
      Objects.requireNonNull(complete, "complete");
      Objects.requireNonNull(horizon, "horizon");
      if (branches.size() != 0 && branches.size() != Merkle.BRANCHES) {
        throw new IllegalArgumentException("a tree reply holds 0 or " + Merkle.BRANCHES + " sums");
      }
    }
  }

  /** Asks for the leaf sums of {@code branches} (ascending): answered by {@link LeavesReply}. */
  record LeavesRequest(NodeId from, NodeAddress replyTo, long requestId, List<Integer> branches)
      implements AntiEntropyMessage {
    public LeavesRequest {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(replyTo, "replyTo");
      branches = ascending("branches", branches, Merkle.BRANCHES, BRANCHES_MAX);
    }
  }

  /**
   * The answer to a {@link LeavesRequest}: for each branch in order, its {@link
   * Merkle#LEAVES_PER_BRANCH} leaf sums.
   */
  record LeavesReply(NodeId from, long requestId, List<Integer> branches, TreeSums leaves)
      implements AntiEntropyMessage {
    public LeavesReply {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(leaves, "leaves");
      branches = ascending("branches", branches, Merkle.BRANCHES, BRANCHES_MAX);
      if (leaves.size() != branches.size() * Merkle.LEAVES_PER_BRANCH) {
        throw new IllegalArgumentException(
            leaves.size() + " leaf sums for " + branches.size() + " branches");
      }
    }
  }

  /**
   * Asks for the keys of {@code leaves} (ascending) with their hashes: answered by {@link
   * KeysReply}, whole leaves, stopping after the leaf in which {@code keysMax} is reached.
   */
  record KeysRequest(
      NodeId from, NodeAddress replyTo, long requestId, List<Integer> leaves, int keysMax)
      implements AntiEntropyMessage {
    public KeysRequest {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(replyTo, "replyTo");
      leaves = ascending("leaves", leaves, Merkle.LEAVES, LEAVES_MAX);
      if (keysMax < 1 || keysMax > KEYS_REPLY_MAX) {
        throw new IllegalArgumentException("keysMax is 1 to " + KEYS_REPLY_MAX + ": " + keysMax);
      }
    }
  }

  /**
   * The answer to a {@link KeysRequest}.
   *
   * @param keys the keys of the first {@code leavesRead} leaves asked for, in leaf order
   * @param leavesRead how many of the leaves asked for are answered in full (at least one when any
   *     was asked for); the asker asks again for the rest
   */
  record KeysReply(NodeId from, long requestId, List<KeyHash> keys, int leavesRead)
      implements AntiEntropyMessage {
    public KeysReply {
      Objects.requireNonNull(from, "from");
      keys = List.copyOf(keys);
      if (keys.size() > KEYS_REPLY_MAX) {
        throw new IllegalArgumentException("a reply of " + keys.size() + " keys");
      }
      if (leavesRead < 0) {
        throw new IllegalArgumentException("leavesRead is negative: " + leavesRead);
      }
    }
  }

  /**
   * Asks for the records of every key in {@code leaves} (ascending), for leaves the asker holds
   * nothing of: their keys need no comparison, so they are not sent twice. Answered by {@link
   * LeafRecords}, whole leaves, stopping after the leaf in which {@code keysMax} keys or the
   * answerer's byte bound are reached.
   */
  record LeafRecordsRequest(
      NodeId from, NodeAddress replyTo, long requestId, List<Integer> leaves, int keysMax)
      implements AntiEntropyMessage {
    public LeafRecordsRequest {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(replyTo, "replyTo");
      leaves = ascending("leaves", leaves, Merkle.LEAVES, LEAVES_MAX);
      if (keysMax < 1 || keysMax > KEYS_REPLY_MAX) {
        throw new IllegalArgumentException("keysMax is 1 to " + KEYS_REPLY_MAX + ": " + keysMax);
      }
    }
  }

  /**
   * The answer to a {@link LeafRecordsRequest}.
   *
   * @param records the records of the first {@code leavesRead} leaves asked for
   * @param leavesRead how many of the leaves asked for are answered in full (at least one when any
   *     was asked for)
   * @param unreadable keys of those leaves left out because they are corrupt at the sender
   * @param covers as {@link RecordMessage.Records#covers}
   */
  record LeafRecords(
      NodeId from,
      long requestId,
      List<KeyedRecord> records,
      int leavesRead,
      int unreadable,
      VersionVector covers)
      implements AntiEntropyMessage {
    public LeafRecords {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(covers, "covers");
      records = List.copyOf(records);
      if (records.size() > KEYS_REPLY_MAX) {
        throw new IllegalArgumentException("a reply of " + records.size() + " records");
      }
      if (leavesRead < 0 || unreadable < 0) {
        throw new IllegalArgumentException("negative counts: " + leavesRead + ", " + unreadable);
      }
    }
  }

  /**
   * Tells the answerer of an exchange that the exchange shipped every difference both ways: it now
   * holds everything the asker's records reflected when the exchange began, which {@code complete}
   * (the asker's complete watermarks taken then) describes. Not answered.
   *
   * @param requestId the exchange's tree request
   */
  record ExchangeDone(NodeId from, long requestId, VersionVector complete)
      implements AntiEntropyMessage {
    public ExchangeDone {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(complete, "complete");
    }
  }

  private static List<Integer> ascending(String what, List<Integer> xs, int bound, int countMax) {
    List<Integer> out = List.copyOf(xs);
    if (out.size() > countMax) {
      throw new IllegalArgumentException("a request of " + out.size() + " " + what);
    }
    int previous = -1;
    for (int x : out) {
      if (x <= previous || x >= bound) {
        throw new IllegalArgumentException(what + " are ascending and below " + bound + ": " + xs);
      }
      previous = x;
    }
    return out;
  }
}
