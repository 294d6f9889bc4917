package io.geodatastore.wire;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Deterministic serialization and bounded parsing, shared by the codecs. */
final class Protobuf {

  private Protobuf() {}

  /** The bytes of {@code message}, written deterministically. */
  static byte[] serialize(MessageLite message) {
    byte[] out = new byte[message.getSerializedSize()];
    CodedOutputStream cos = CodedOutputStream.newInstance(out);
    cos.useDeterministicSerialization();
    try {
      message.writeTo(cos);
    } catch (IOException e) {
      // Writing into an array of exactly the serialized size cannot fail.
      throw new UncheckedIOException(e);
    }
    cos.checkNoSpaceLeft();
    return out;
  }

  /** Parses {@code bytes}, refusing inputs over {@link CrdtCodec#ENCODED_BYTES_MAX}. */
  static <T> T parse(Parser<T> parser, byte[] bytes, String what) throws WireFormatException {
    if (bytes == null) {
      throw new WireFormatException("no bytes to decode as " + what);
    }
    if (bytes.length > CrdtCodec.ENCODED_BYTES_MAX) {
      throw new WireFormatException(
          what
              + " of "
              + bytes.length
              + " bytes is over the limit of "
              + CrdtCodec.ENCODED_BYTES_MAX);
    }
    try {
      return parser.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new WireFormatException("malformed " + what, e);
    }
  }
}
