package io.geodatastore.client;

/**
 * An error answer from a node ({@code {"error","message"}} with a 4xx/5xx status) or a transport
 * failure (status 0).
 */
public final class GeoClientException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String error;

  public GeoClientException(int status, String error, String message) {
    super(status == 0 ? message : status + " " + error + ": " + message);
    this.status = status;
    this.error = error;
  }

  public GeoClientException(String message, Throwable cause) {
    super(message, cause);
    this.status = 0;
    this.error = "transport";
  }

  /** The HTTP status, or 0 when no answer arrived. */
  public int status() {
    return status;
  }

  /** The node's error code (e.g. {@code bad_request}, {@code type_mismatch}). */
  public String error() {
    return error;
  }
}
