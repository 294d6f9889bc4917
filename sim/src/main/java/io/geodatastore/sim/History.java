package io.geodatastore.sim;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.Epoch;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.WriteResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every client operation the workload issued, with what its node answered and what that node had
 * seen when it issued it: the model the invariants are checked against.
 */
public final class History {

  /**
   * One client write or delete.
   *
   * @param number its place in the workload (0, 1, 2, …)
   * @param atMs simulated time of issue
   * @param node the index of the node it was issued at
   * @param replica that node's replica id
   * @param key the key
   * @param op the operation, or null for a delete
   * @param result what the node answered
   * @param acknowledged whether the client was told it is durable ({@code Written})
   * @param epoch the epoch of the key's record at the node right after the operation: the epoch a
   *     logged write went into, or the one a logged delete began
   * @param seen per node index, how far that origin's log was merged at the issuing node just
   *     before the operation (its own log included): the operation's causal past, as prefixes
   * @param seenEntries per node index, exactly which of that origin's entries were in the issuing
   *     node's state (a record fetched by anti-entropy can bring an entry without those before it,
   *     which a prefix cannot say)
   */
  public record Op(
      int number,
      long atMs,
      int node,
      ReplicaId replica,
      KeyRef key,
      Operation op,
      WriteResult result,
      boolean acknowledged,
      Epoch epoch,
      long[] seen,
      java.util.BitSet[] seenEntries) {

    public boolean isDelete() {
      return op == null;
    }

    /** The replication-log id, or null when the operation changed nothing. */
    public Dot logId() {
      return result instanceof WriteResult.Written w ? w.logId() : null;
    }

    /** The epoch a logged delete began. */
    public Epoch deleteEpoch() {
      return new Epoch(((WriteResult.Written) result).at(), replica);
    }

    /**
     * Whether {@code earlier} (a logged operation) was merged at this operation's node before it
     * was issued, i.e. its effect was in the state this operation saw. Without causal delivery
     * (streams are FIFO per origin only) this is narrower than happened-before: a node may merge an
     * entry before the entries its writer had seen.
     */
    public boolean saw(Op earlier) {
      long seq = earlier.logId().counter();
      return seen[earlier.node] >= seq
          || (seq <= Integer.MAX_VALUE && seenEntries[earlier.node].get((int) seq));
    }

    /** The operation under a create, or the operation itself. */
    public Operation inner() {
      return op instanceof Operation.Create c ? c.then() : op;
    }

    @Override
    public String toString() {
      return "#"
          + number
          + "@"
          + atMs
          + "ms n"
          + node
          + " "
          + key
          + " "
          + (op == null ? "delete" : op)
          + " -> "
          + (logId() == null ? result.getClass().getSimpleName() : logId());
    }
  }

  private final List<Op> ops = new ArrayList<>();
  private final Map<KeyRef, List<Op>> byKey = new LinkedHashMap<>();

  void add(Op op) {
    ops.add(op);
    byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
  }

  public List<Op> ops() {
    return List.copyOf(ops);
  }

  /** Operations on one key, in issue order. */
  public List<Op> of(KeyRef key) {
    return byKey.getOrDefault(key, List.of());
  }

  public int size() {
    return ops.size();
  }
}
