package io.geodatastore.cluster.membership;

import io.geodatastore.cluster.MemberUpdate;
import io.geodatastore.cluster.NodeId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The updates waiting to be piggybacked, at most one per member (a newer update about a member
 * replaces the older one, which is then moot). Each is sent a limited number of times, the least
 * sent first, as in SWIM's infection-style dissemination; so the queue is bounded by the view.
 */
final class Dissemination {

  private static final class Pending {
    final MemberUpdate update;
    int transmits;

    Pending(MemberUpdate update) {
      this.update = update;
    }
  }

  private static final Comparator<Pending> LEAST_SENT_FIRST =
      Comparator.<Pending>comparingInt(p -> p.transmits).thenComparing(p -> p.update.nodeId());

  private final Map<NodeId, Pending> pending = new TreeMap<>();

  void enqueue(MemberUpdate update) {
    pending.put(update.nodeId(), new Pending(update));
  }

  void remove(NodeId nodeId) {
    pending.remove(nodeId);
  }

  int size() {
    return pending.size();
  }

  /**
   * Appends to {@code out}, until it holds {@code max}, the least-sent updates about members not
   * already in it, and counts the transmission; updates sent {@code transmitLimit} times are done.
   */
  void take(List<MemberUpdate> out, int max, int transmitLimit) {
    if (out.size() >= max || pending.isEmpty()) {
      return;
    }
    List<Pending> order = new ArrayList<>(pending.values());
    order.sort(LEAST_SENT_FIRST);
    for (Pending p : order) {
      if (out.size() >= max) {
        return;
      }
      if (containsMember(out, p.update.nodeId())) {
        continue;
      }
      out.add(p.update);
      p.transmits++;
      if (p.transmits >= transmitLimit) {
        pending.remove(p.update.nodeId());
      }
    }
  }

  private static boolean containsMember(List<MemberUpdate> updates, NodeId nodeId) {
    for (MemberUpdate u : updates) {
      if (u.nodeId().equals(nodeId)) {
        return true;
      }
    }
    return false;
  }
}
