package io.geodatastore.storage.rocksdb;

import java.util.TreeSet;

/**
 * The durable watermark of this replica's sequence numbers: the highest {@code n} such that every
 * sequence up to {@code n} has been committed (or abandoned by a failed batch, leaving a hole that
 * readers skip). Shards commit independently, so sequences complete out of order.
 */
final class SequenceTracker {

  private long watermark;
  private final TreeSet<Long> ahead = new TreeSet<>();

  SequenceTracker(long watermark) {
    this.watermark = watermark;
  }

  synchronized void completed(long seq) {
    if (seq <= watermark) {
      return;
    }
    if (seq != watermark + 1) {
      ahead.add(seq);
      return;
    }
    watermark = seq;
    while (!ahead.isEmpty() && ahead.first() == watermark + 1) {
      watermark = ahead.pollFirst();
    }
  }

  synchronized long watermark() {
    return watermark;
  }
}
