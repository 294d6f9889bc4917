package io.geodatastore.wire;

/**
 * Bytes that are not a valid encoding: truncated, corrupted, of an unknown format version or type,
 * over a size limit, or describing a state that breaks an invariant of core. An expected failure
 * when reading from the network or disk, hence checked.
 */
public final class WireFormatException extends Exception {

  private static final long serialVersionUID = 1L;

  public WireFormatException(String message) {
    super(message);
  }

  public WireFormatException(String message, Throwable cause) {
    super(message + ": " + cause.getMessage(), cause);
  }
}
