package io.geodatastore.cluster.membership;

/**
 * The tunables of {@link Membership}, with units in their names. {@link #defaults()} suits a
 * cluster of up to a few hundred nodes over regions tens of milliseconds apart.
 *
 * @param protocolPeriodMs how often a node probes one member (SWIM's T')
 * @param pingTimeoutMs how long a direct ping waits for its ack before indirect probes are sent;
 *     must be well under the period, which bounds the indirect round trip
 * @param indirectProbes how many members are asked to probe on this node's behalf (SWIM's k)
 * @param suspicionTimeoutMs how long a member stays suspect before it is declared dead, in a
 *     cluster of up to 10 members; multiplied by log10(members) beyond that
 * @param deadRetentionMs how long a dead or left member stays in the view before it is purged;
 *     while it is there, this node keeps trying to reach a dead one (to heal partitions)
 * @param piggybackMax gossip updates carried on one ping or ack at most
 * @param retransmitMultiplier each update is piggybacked {@code retransmitMultiplier *
 *     ceil(log2(members + 1))} times (SWIM's λ log n)
 * @param joinRetryIntervalMs how often the seeds are asked again while this node knows no other
 *     live member
 * @param reconnectIntervalMs how often a full-view exchange is attempted with one random dead
 *     member or unreached seed, so that the sides of a healed partition find each other again
 * @param membersMax members kept in the view at most; news of further members is dropped
 * @param relaysMax indirect probes this node runs for others at once; further requests are dropped
 * @param leaveNoticesMax members told directly when this node leaves (gossip tells the rest)
 * @param leaveGraceMs how long a leaving node keeps gossiping its departure before it stops
 * @param phi the failure detector that decides when a member is probed out of turn
 */
public record MembershipOptions(
    long protocolPeriodMs,
    long pingTimeoutMs,
    int indirectProbes,
    long suspicionTimeoutMs,
    long deadRetentionMs,
    int piggybackMax,
    int retransmitMultiplier,
    long joinRetryIntervalMs,
    long reconnectIntervalMs,
    int membersMax,
    int relaysMax,
    int leaveNoticesMax,
    long leaveGraceMs,
    PhiAccrualDetector.Options phi) {

  public MembershipOptions {
    positive("protocolPeriodMs", protocolPeriodMs);
    positive("pingTimeoutMs", pingTimeoutMs);
    if (pingTimeoutMs >= protocolPeriodMs) {
      throw new IllegalArgumentException(
          "pingTimeoutMs ("
              + pingTimeoutMs
              + ") must be shorter than protocolPeriodMs ("
              + protocolPeriodMs
              + ")");
    }
    positive("indirectProbes", indirectProbes + 1); // zero disables indirect probes
    positive("suspicionTimeoutMs", suspicionTimeoutMs);
    positive("deadRetentionMs", deadRetentionMs);
    positive("piggybackMax", piggybackMax);
    positive("retransmitMultiplier", retransmitMultiplier);
    positive("joinRetryIntervalMs", joinRetryIntervalMs);
    positive("reconnectIntervalMs", reconnectIntervalMs);
    positive("membersMax", membersMax);
    positive("relaysMax", relaysMax);
    positive("leaveNoticesMax", leaveNoticesMax + 1);
    positive("leaveGraceMs", leaveGraceMs + 1);
    if (phi == null) {
      throw new IllegalArgumentException("phi options are required");
    }
  }

  /** The defaults: a 500 ms period, 200 ms ping timeout, 3 indirect probes, φ threshold 8. */
  public static MembershipOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.protocolPeriodMs = protocolPeriodMs;
    b.pingTimeoutMs = pingTimeoutMs;
    b.indirectProbes = indirectProbes;
    b.suspicionTimeoutMs = suspicionTimeoutMs;
    b.deadRetentionMs = deadRetentionMs;
    b.piggybackMax = piggybackMax;
    b.retransmitMultiplier = retransmitMultiplier;
    b.joinRetryIntervalMs = joinRetryIntervalMs;
    b.reconnectIntervalMs = reconnectIntervalMs;
    b.membersMax = membersMax;
    b.relaysMax = relaysMax;
    b.leaveNoticesMax = leaveNoticesMax;
    b.leaveGraceMs = leaveGraceMs;
    b.phi = phi;
    return b;
  }

  private static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }

  /** Mutable, for building options from config; every field starts at its default. */
  public static final class Builder {
    private long protocolPeriodMs = 500;
    private long pingTimeoutMs = 200;
    private int indirectProbes = 3;
    private long suspicionTimeoutMs = 3_000;
    private long deadRetentionMs = 600_000;
    private int piggybackMax = 8;
    private int retransmitMultiplier = 3;
    private long joinRetryIntervalMs = 1_000;
    private long reconnectIntervalMs = 5_000;
    private int membersMax = 1024;
    private int relaysMax = 64;
    private int leaveNoticesMax = 8;
    private long leaveGraceMs = 1_000;
    private PhiAccrualDetector.Options phi =
        new PhiAccrualDetector.Options(8.0, 100, 500, 1_000, 1_000);

    private Builder() {}

    public Builder protocolPeriodMs(long v) {
      protocolPeriodMs = v;
      return this;
    }

    public Builder pingTimeoutMs(long v) {
      pingTimeoutMs = v;
      return this;
    }

    public Builder indirectProbes(int v) {
      indirectProbes = v;
      return this;
    }

    public Builder suspicionTimeoutMs(long v) {
      suspicionTimeoutMs = v;
      return this;
    }

    public Builder deadRetentionMs(long v) {
      deadRetentionMs = v;
      return this;
    }

    public Builder piggybackMax(int v) {
      piggybackMax = v;
      return this;
    }

    public Builder retransmitMultiplier(int v) {
      retransmitMultiplier = v;
      return this;
    }

    public Builder joinRetryIntervalMs(long v) {
      joinRetryIntervalMs = v;
      return this;
    }

    public Builder reconnectIntervalMs(long v) {
      reconnectIntervalMs = v;
      return this;
    }

    public Builder membersMax(int v) {
      membersMax = v;
      return this;
    }

    public Builder relaysMax(int v) {
      relaysMax = v;
      return this;
    }

    public Builder leaveNoticesMax(int v) {
      leaveNoticesMax = v;
      return this;
    }

    public Builder leaveGraceMs(long v) {
      leaveGraceMs = v;
      return this;
    }

    public Builder phi(PhiAccrualDetector.Options v) {
      phi = v;
      return this;
    }

    public MembershipOptions build() {
      return new MembershipOptions(
          protocolPeriodMs,
          pingTimeoutMs,
          indirectProbes,
          suspicionTimeoutMs,
          deadRetentionMs,
          piggybackMax,
          retransmitMultiplier,
          joinRetryIntervalMs,
          reconnectIntervalMs,
          membersMax,
          relaysMax,
          leaveNoticesMax,
          leaveGraceMs,
          phi);
    }
  }
}
