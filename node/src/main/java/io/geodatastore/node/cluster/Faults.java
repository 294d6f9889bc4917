package io.geodatastore.node.cluster;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The network faults injected into this node's transport ({@code /admin/faults/*}, only with {@code
 * --enable-fault-injection}): partitions from whole regions or single nodes (traffic both ways is
 * dropped) and added latency towards a region. Thread-safe: read by the transport on any thread,
 * changed by the admin API.
 */
public final class Faults {

  /** Added delay towards a region: {@code ms} plus a uniform draw from 0 to {@code jitterMs}. */
  public record Latency(long ms, long jitterMs) {}

  /** What is in force. */
  public record Snapshot(
      Set<String> isolatedRegions, Set<String> isolatedNodes, Map<String, Latency> latency) {}

  private volatile Snapshot current = new Snapshot(Set.of(), Set.of(), Map.of());

  public Snapshot snapshot() {
    return current;
  }

  /** Adds regions and nodes to the partition: traffic to and from them is dropped. */
  public synchronized void isolate(Set<String> regions, Set<String> nodes) {
    Snapshot s = current;
    Set<String> r = new TreeSet<>(s.isolatedRegions());
    r.addAll(regions);
    Set<String> n = new TreeSet<>(s.isolatedNodes());
    n.addAll(nodes);
    current = new Snapshot(Set.copyOf(r), Set.copyOf(n), s.latency());
  }

  /** Sets the added latency towards {@code region} (0 ms and 0 jitter removes it). */
  public synchronized void latency(String region, long ms, long jitterMs) {
    Snapshot s = current;
    Map<String, Latency> l = new HashMap<>(s.latency());
    if (ms == 0 && jitterMs == 0) {
      l.remove(region);
    } else {
      l.put(region, new Latency(ms, jitterMs));
    }
    current = new Snapshot(s.isolatedRegions(), s.isolatedNodes(), Map.copyOf(l));
  }

  /** Removes every network fault. */
  public synchronized void heal() {
    current = new Snapshot(Set.of(), Set.of(), Map.of());
  }

  /** Whether traffic with this node (either may be null when unknown) is dropped. */
  public boolean blocked(String nodeId, String region) {
    Snapshot s = current;
    return (nodeId != null && s.isolatedNodes().contains(nodeId))
        || (region != null && s.isolatedRegions().contains(region));
  }

  /** The latency added towards {@code region}, or null. */
  public Latency latencyTo(String region) {
    return region == null ? null : current.latency().get(region);
  }
}
