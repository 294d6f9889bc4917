package io.geodatastore.storage.rocksdb;

/** The database failed (I/O error, full disk): not a client error, and not expected. */
public final class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }

  public StorageException(String message) {
    super(message);
  }
}
