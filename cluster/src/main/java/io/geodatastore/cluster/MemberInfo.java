package io.geodatastore.cluster;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * One row of a node's membership view, as {@code /admin/status} shows it.
 *
 * @param lastContactMs when this node last received a message describing the member, directly or
 *     relayed by an indirect probe, in {@link Env#nowMs()} time (monotonic; subtract it from {@code
 *     nowMs()} for an age); empty if never, and always empty for the node itself
 */
public record MemberInfo(
    NodeId nodeId,
    String region,
    NodeAddress address,
    long incarnation,
    MemberState state,
    OptionalLong lastContactMs) {

  /** The longest region name accepted, in characters. */
  public static final int REGION_LENGTH_MAX = 64;

  public MemberInfo {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(lastContactMs, "lastContactMs");
    checkRegion(region);
  }

  /** The gossip form of this row. */
  public MemberUpdate toUpdate() {
    return new MemberUpdate(nodeId, region, address, incarnation, state);
  }

  static void checkRegion(String region) {
    if (region == null || region.isEmpty() || region.length() > REGION_LENGTH_MAX) {
      throw new IllegalArgumentException(
          "a region is 1 to " + REGION_LENGTH_MAX + " characters, got " + region);
    }
    for (int i = 0; i < region.length(); i++) {
      if (Character.isISOControl(region.charAt(i)) || Character.isWhitespace(region.charAt(i))) {
        throw new IllegalArgumentException(
            "a region has no spaces or control characters: " + region);
      }
    }
  }
}
