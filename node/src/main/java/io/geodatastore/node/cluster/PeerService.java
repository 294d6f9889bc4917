package io.geodatastore.node.cluster;

import io.geodatastore.wire.proto.DeliverSummary;
import io.geodatastore.wire.proto.ForwardReply;
import io.geodatastore.wire.proto.ForwardRequest;
import io.geodatastore.wire.proto.PeerEnvelope;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;

/**
 * The gRPC descriptors of {@code peer.proto}'s {@code service Peer}, written out here rather than
 * generated, so that the wire module stays free of gRPC (its ArchUnit rule) and the build needs no
 * code-generator plugin binary beyond protoc.
 */
final class PeerService {

  static final String SERVICE = "geodatastore.wire.v1.Peer";

  static final MethodDescriptor<PeerEnvelope, DeliverSummary> DELIVER =
      MethodDescriptor.<PeerEnvelope, DeliverSummary>newBuilder()
          .setType(MethodDescriptor.MethodType.CLIENT_STREAMING)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Deliver"))
          .setRequestMarshaller(ProtoUtils.marshaller(PeerEnvelope.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(DeliverSummary.getDefaultInstance()))
          .build();

  static final MethodDescriptor<ForwardRequest, ForwardReply> FORWARD =
      MethodDescriptor.<ForwardRequest, ForwardReply>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Forward"))
          .setRequestMarshaller(ProtoUtils.marshaller(ForwardRequest.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(ForwardReply.getDefaultInstance()))
          .build();

  private PeerService() {}
}
