package io.geodatastore.storage;

/**
 * A replication-log entry as read from the log: decoded, and its {@link LogEntryCodec} bytes as
 * stored, which the delta streams send as they are instead of encoding the entry again.
 *
 * @param entry the entry
 * @param bytes its encoding; never modified
 */
@SuppressWarnings("ArrayRecordComponent") // read-only bytes, compared by no one
public record StoredLogEntry(LogEntry entry, byte[] bytes) {}
