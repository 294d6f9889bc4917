package io.geodatastore.cluster.membership;

import io.geodatastore.cluster.MemberInfo;

/**
 * Told about changes of a {@link Membership}'s view, on the membership's own logical thread, right
 * after the change. Implementations must be quick and must not call back into the membership's
 * mutating methods; reading its view is fine. Incarnation changes that keep the state (a refuted
 * suspicion seen as alive→alive) are not reported.
 */
public interface MembershipListener {

  /** A listener that ignores everything. */
  MembershipListener NONE = new MembershipListener() {};

  /** A member this node did not know (or had purged) is now in the view, alive or suspect. */
  default void onJoined(MemberInfo member) {}

  /** A known member's state changed, e.g. alive to suspect or dead to alive after a restart. */
  default void onStateChanged(MemberInfo before, MemberInfo after) {}

  /**
   * A dead or left member was purged from the view after its retention time, or a member was
   * removed for good by an operator ({@link Membership#remove}, here or elsewhere: its state is
   * then {@code REMOVED}).
   */
  default void onRemoved(MemberInfo member) {}
}
