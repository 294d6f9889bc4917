package io.geodatastore.cluster;

import java.util.List;
import java.util.Objects;

/**
 * The messages of the SWIM membership protocol (see {@code membership.Membership}).
 *
 * <p>Every message carries its sender's description of itself ({@code from}: its id, region,
 * address and current incarnation, state alive or left), so a receiver can answer a node it has
 * never heard of and learns about members first-hand; and pings and acks piggyback a bounded list
 * of gossip {@code updates}.
 */
public sealed interface MembershipMessage extends ClusterMessage {

  /** The sender's description of itself. */
  MemberUpdate from();

  /**
   * A direct probe: the receiver answers with an {@link Ack} carrying the same {@code seq} to
   * {@code from.address()}.
   */
  record Ping(long seq, MemberUpdate from, List<MemberUpdate> updates)
      implements MembershipMessage {
    public Ping {
      Objects.requireNonNull(from, "from");
      updates = List.copyOf(updates);
    }
  }

  /**
   * The answer to a {@link Ping}. When relayed for an indirect probe, {@code seq} is the original
   * requester's and {@code from} is the probed member's description, so the requester cannot tell
   * and need not care which path the answer took.
   */
  record Ack(long seq, MemberUpdate from, List<MemberUpdate> updates) implements MembershipMessage {
    public Ack {
      Objects.requireNonNull(from, "from");
      updates = List.copyOf(updates);
    }
  }

  /**
   * An indirect probe: "ping {@code target} for me and relay its ack under my {@code seq}". Sent to
   * a few members when a direct ping got no ack in time.
   */
  record PingReq(long seq, MemberUpdate from, NodeId target, NodeAddress targetAddress)
      implements MembershipMessage {
    public PingReq {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(target, "target");
      Objects.requireNonNull(targetAddress, "targetAddress");
    }
  }

  /**
   * A full-view exchange (push-pull): sent to seeds when joining, and now and then to a dead member
   * or an unreached seed to heal a partition. The receiver merges {@code view} and answers with a
   * {@link JoinReply} holding its own.
   */
  record Join(MemberUpdate from, List<MemberUpdate> view) implements MembershipMessage {
    public Join {
      Objects.requireNonNull(from, "from");
      view = List.copyOf(view);
    }
  }

  /** The answer to a {@link Join}: the receiver's full view, dead and left members included. */
  record JoinReply(MemberUpdate from, List<MemberUpdate> view) implements MembershipMessage {
    public JoinReply {
      Objects.requireNonNull(from, "from");
      view = List.copyOf(view);
    }
  }
}
