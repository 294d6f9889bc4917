package io.geodatastore.core.crdt;

import io.geodatastore.core.causal.ReplicaId;
import java.util.List;
import java.util.Objects;

/**
 * A resolution that hid, dropped or refused a write: what the conflict log records.
 *
 * @param kind the rule that applied
 * @param detail one sentence for an operator
 * @param values the values involved, kept value first where there is one (canonical JSON)
 * @param replicas the replicas whose writes were involved, in the same order where it applies
 */
public record Conflict(Kind kind, String detail, List<String> values, List<ReplicaId> replicas) {

  public Conflict {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(detail, "detail");
    values = List.copyOf(values);
    replicas = List.copyOf(replicas);
  }

  /** The rules that resolve conflicts. */
  public enum Kind {
    /** A merge kept the LWW write with the greater (HLC, replica) and dropped a concurrent one. */
    LWW_CONCURRENT_OVERWRITE("lww_overwrite"),
    /** A local LWW write was older than the current value (a writer clock behind) and lost. */
    LWW_WRITE_LOST("lww_write_lost"),
    /** An add of an element a 2P-Set has removed: removal is final. */
    TWO_PHASE_SET_READD_REFUSED("two_phase_set_readd_refused"),
    /** An MV-Register holds several concurrent values. */
    MV_REGISTER_SIBLINGS("mv_register_siblings"),
    /** One key created concurrently with two different types; the lower type tag won. */
    TYPE_MISMATCH("type_mismatch");

    private final String reason;

    Kind(String reason) {
      this.reason = reason;
    }

    /** The label in metrics and the admin API. */
    public String reason() {
      return reason;
    }
  }
}
