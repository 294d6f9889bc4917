package io.geodatastore.cluster;

import java.util.Objects;

/**
 * One fact about a member as gossip carries it: "{@code nodeId}, of {@code region} at {@code
 * address}, is {@code state} at {@code incarnation}". Updates are piggybacked on pings and acks and
 * exchanged in full on joins; a receiver keeps, per member, the update that {@link #supersedes}
 * every other it has seen.
 */
public record MemberUpdate(
    NodeId nodeId, String region, NodeAddress address, long incarnation, MemberState state) {

  public MemberUpdate {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(state, "state");
    MemberInfo.checkRegion(region);
    if (incarnation < 0) {
      throw new IllegalArgumentException("an incarnation is zero or more, got " + incarnation);
    }
  }

  /**
   * SWIM's rule: a higher incarnation wins; at equal incarnation the stronger state wins (see
   * {@link MemberState}). An update never supersedes itself, so applying one twice changes nothing.
   */
  public boolean supersedes(long otherIncarnation, MemberState otherState) {
    return incarnation > otherIncarnation
        || (incarnation == otherIncarnation && state.overrides(otherState));
  }

  /** This update with another state, same incarnation. */
  public MemberUpdate withState(MemberState newState) {
    return new MemberUpdate(nodeId, region, address, incarnation, newState);
  }
}
