package io.geodatastore.cluster;

/**
 * What a node believes about a member, in SWIM's terms. The declaration order is the precedence at
 * equal incarnation: a later constant overrides an earlier one (left over dead over suspect over
 * alive), and any state at a higher incarnation overrides every state at a lower one.
 */
public enum MemberState {
  /** Answers probes, or has refuted every suspicion raised against its incarnation. */
  ALIVE,
  /** A probe failed; dead unless the member refutes within the suspicion timeout. */
  SUSPECT,
  /** Was suspect for the whole suspicion timeout, or someone else concluded so. */
  DEAD,
  /** Left gracefully ({@code SIGTERM}); will not be probed again. */
  LEFT,
  /**
   * Removed for good by an operator ({@code DELETE /admin/members/{id}}, as Cassandra's {@code
   * removenode}): gone from every view and from causal stability. Never shown as a member; it
   * overrides every state that is not active, at any incarnation (see {@code Membership#remove}).
   */
  REMOVED;

  /** Whether this state, at the same incarnation, overrides {@code other}. */
  public boolean overrides(MemberState other) {
    return compareTo(other) > 0;
  }

  /** Whether the member is still in the cluster, i.e. probed: alive or suspect. */
  public boolean isActive() {
    return this == ALIVE || this == SUSPECT;
  }

  /** The lower-case name the admin API shows ({@code alive}, {@code suspect}, …). */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
