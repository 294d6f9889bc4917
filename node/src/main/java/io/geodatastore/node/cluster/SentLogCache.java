package io.geodatastore.node.cluster;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.geodatastore.storage.LogEntry;
import io.geodatastore.storage.StoredLogEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * The entries of this replica's log read last for the delta streams, each with its bytes as stored.
 * Every peer's stream reads the same entries, mostly within a few milliseconds of the others: the
 * first read decodes them from the store, the others take the same {@link LogEntry} objects from
 * here, and the transport sends the stored bytes ({@link #bytes}) instead of encoding each entry
 * again for every peer.
 *
 * <p>A ring indexed by sequence number: at most {@link #SLOTS} entries of at most {@link
 * #ENTRY_BYTES_MAX} bytes each (larger ones are not kept), so at most 4 MiB. An entry's content
 * never changes once it is durable, so a slot is valid as long as it holds the sequence asked for.
 * Not thread-safe: used on the node's logical thread only (reads of the log and sends of batches
 * both happen there).
 */
final class SentLogCache {

  /** Entries kept; a power of two. */
  static final int SLOTS = 1024;

  /** The largest entry kept, in bytes. */
  static final int ENTRY_BYTES_MAX = 4096;

  /** Reads the log from the store. */
  interface Source {
    List<StoredLogEntry> read(long fromSeq, int maxEntries, long maxBytes);
  }

  private record Slot(LogEntry entry, ByteString bytes) {}

  private final Slot[] slots = new Slot[SLOTS];

  /**
   * Up to {@code maxEntries} (and about {@code maxBytes}) consecutive entries from {@code fromSeq}:
   * those kept here, then the rest from {@code source}, up to {@code lastSeq} (the last durable
   * sequence: nothing after it is looked for).
   */
  List<LogEntry> read(long fromSeq, int maxEntries, long maxBytes, long lastSeq, Source source) {
    List<LogEntry> out = new ArrayList<>();
    long seq = fromSeq;
    long bytes = 0;
    while (out.size() < maxEntries && bytes < maxBytes) {
      Slot s = slots[index(seq)];
      if (s == null || s.entry.id().counter() != seq) {
        break;
      }
      out.add(s.entry);
      bytes += s.bytes.size();
      seq++;
    }
    if (out.size() < maxEntries && bytes < maxBytes && seq <= lastSeq) {
      for (StoredLogEntry e : source.read(seq, maxEntries - out.size(), maxBytes - bytes)) {
        out.add(e.entry());
        if (e.bytes().length <= ENTRY_BYTES_MAX) {
          long s = e.entry().id().counter();
          slots[index(s)] = new Slot(e.entry(), UnsafeByteOperations.unsafeWrap(e.bytes()));
        }
      }
    }
    return out;
  }

  /** The encoding of {@code e}: its stored bytes when it was read through here, else encoded. */
  ByteString bytes(LogEntry e) {
    Slot s = slots[index(e.id().counter())];
    if (s != null && s.entry == e) {
      return s.bytes;
    }
    return PeerCodec.entryBytes(e);
  }

  private static int index(long seq) {
    return (int) (seq & (SLOTS - 1));
  }
}
