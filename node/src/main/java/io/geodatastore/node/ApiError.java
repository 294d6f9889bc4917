package io.geodatastore.node;

import com.linecorp.armeria.common.HttpStatus;

/**
 * A request the node refuses, with the status, a stable error code and a message saying what is
 * wrong and how to fix it. Thrown inside request handling and rendered as {@code
 * {"error":code,"message":message}}; carries no stack trace, because it is the client's mistake.
 */
public final class ApiError extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient HttpStatus status;
  private final String code;

  public ApiError(HttpStatus status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  public HttpStatus status() {
    return status;
  }

  public String code() {
    return code;
  }

  public static ApiError badRequest(String code, String message) {
    return new ApiError(HttpStatus.BAD_REQUEST, code, message);
  }

  public static ApiError notFound(String code, String message) {
    return new ApiError(HttpStatus.NOT_FOUND, code, message);
  }

  public static ApiError conflict(String code, String message) {
    return new ApiError(HttpStatus.CONFLICT, code, message);
  }
}
