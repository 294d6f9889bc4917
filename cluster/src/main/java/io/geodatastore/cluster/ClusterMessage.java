package io.geodatastore.cluster;

/**
 * Every message one node's cluster logic sends another's, as a closed hierarchy so that the node's
 * dispatcher and the wire codecs are checked for completeness by the compiler ({@code switch}
 * without {@code default}).
 *
 * <p>Each subsystem owns one sealed sub-interface with its messages as nested records: {@link
 * MembershipMessage}, {@link ReplicationMessage}, {@link RecordMessage}. (Java requires the
 * permitted types of a sealed type in the unnamed module to share its package, which is why the
 * sub-interfaces live here rather than beside their state machines.)
 */
public sealed interface ClusterMessage
    permits MembershipMessage, ReplicationMessage, RecordMessage {}
