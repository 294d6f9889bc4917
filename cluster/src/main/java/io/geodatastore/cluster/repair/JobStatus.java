package io.geodatastore.cluster.repair;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A job as {@code GET /admin/anti-entropy/jobs/{id}} shows it.
 *
 * @param id the job's id
 * @param kind {@code full_sync} or {@code region_sync}
 * @param region the region synced with, or null for a full sync
 * @param state {@code running}, {@code done} (every exchange ended without failing) or {@code
 *     failed}
 * @param peers the peers it exchanges with, in order
 * @param outcomes per peer that finished, its exchange's outcome ({@code in_sync}, {@code
 *     repaired}, {@code failed})
 * @param rangesCompared tree nodes compared so far, over all its exchanges
 * @param keysRepaired keys changed on either side so far
 * @param bytes bytes sent and received so far
 * @param startedAtMs wall-clock start (milliseconds since the epoch)
 * @param finishedAtMs wall-clock end, or -1 while running
 */
public record JobStatus(
    String id,
    String kind,
    String region,
    String state,
    List<String> peers,
    Map<String, String> outcomes,
    long rangesCompared,
    long keysRepaired,
    long bytes,
    long startedAtMs,
    long finishedAtMs) {
  public JobStatus {
    Objects.requireNonNull(id, "id");
    peers = List.copyOf(peers);
    outcomes = Collections.unmodifiableMap(new LinkedHashMap<>(outcomes));
  }
}
