package io.geodatastore.storage;

import io.geodatastore.core.crdt.CrdtType;
import java.util.Map;

/**
 * Storage figures.
 *
 * @param types per type: keys, tombstones, payload and metadata bytes
 * @param tombstonesReclaimed tombstones dropped by GC since open
 * @param bytesReclaimed bytes freed by GC since open
 * @param logEntries entries in the replication log (all origins)
 * @param logBytes their stored bytes
 * @param lastSequence the highest durable sequence number this replica originated
 * @param quarantined keys currently quarantined
 * @param epochsForgotten live records whose stable epoch GC reset to zero since open
 * @param gcRuns garbage collections since open
 */
public record StorageStats(
    Map<CrdtType, TypeStats> types,
    long tombstonesReclaimed,
    long bytesReclaimed,
    long logEntries,
    long logBytes,
    long lastSequence,
    int quarantined,
    long epochsForgotten,
    long gcRuns) {

  /**
   * Per type. Payload is what a plain, unreplicated store would need (the key name, 8 bytes for a
   * counter, the element and value text); metadata is every other stored byte (dots, contexts,
   * replica ids, epochs, headers, checksums).
   */
  public record TypeStats(long liveKeys, long tombstones, long payloadBytes, long metadataBytes) {

    /** Metadata bytes as a fraction of payload bytes. */
    public double metadataOverhead() {
      return payloadBytes == 0 ? 0 : (double) metadataBytes / payloadBytes;
    }
  }
}
