package io.geodatastore.core.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.DotSet;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.OrSet;
import io.geodatastore.core.crdt.Update;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * OR-Set operations (adds, removes of present and absent elements, multi-element adds), checked
 * against a model that tracks causal visibility: every add is an event; an add supersedes the adds
 * of the same element visible at its replica, a remove the ones visible at its replica; an element
 * is present iff one of its adds was neither superseded nor removed by an operation that saw it.
 */
public final class OrSetGen implements TypeGen<OrSet> {

  private final int alphabetSize;

  public OrSetGen(int alphabetSize) {
    this.alphabetSize = alphabetSize;
  }

  /** An add or remove; {@code dot} is null for a remove. */
  private record Event(Dot dot, String element, Set<Dot> observed) {}

  @Override
  public CrdtType type() {
    return CrdtType.OR_SET;
  }

  @Override
  public OrSet empty() {
    return OrSet.EMPTY;
  }

  @Override
  public Model<OrSet> newModel(int replicas) {
    return new VisibilityModel(replicas);
  }

  @Override
  public Op<OrSet> randomOp(
      Random rnd, Node<OrSet> at, List<Node<OrSet>> nodes, long trueMs, Model<OrSet> m) {
    VisibilityModel model = (VisibilityModel) m;
    int choice = rnd.nextInt(10);
    if (choice < 4 && !at.state.isEmpty() && at.state.size() > 0) {
      String e = Gen.pick(rnd, at.state.value());
      return remove(at, e, model);
    }
    if (choice == 4) {
      return remove(at, Gen.element(rnd, alphabetSize), model);
    }
    if (choice == 5) {
      String e1 = Gen.element(rnd, alphabetSize);
      String e2 = Gen.element(rnd, alphabetSize);
      Update<OrSet> u = at.state.addAll(at.id, List.of(e1, e2));
      // The join of two single adds: record both as events of one operation.
      Dot d1 = at.state.context().nextDot(at.id);
      Dot d2 = new Dot(at.id, d1.counter() + 1);
      List<Event> events = List.of(model.add(at.index, d1, e1), model.add(at.index, d2, e2));
      return new Op<>(u, events, "addAll " + e1 + "," + e2);
    }
    String e = Gen.element(rnd, alphabetSize);
    Update<OrSet> u = at.state.add(at.id, e);
    Event ev = model.add(at.index, u.state().entries().get(e).get(0), e);
    return new Op<>(u, List.of(ev), "add " + e);
  }

  private static Op<OrSet> remove(Node<OrSet> at, String e, VisibilityModel model) {
    Update<OrSet> u = at.state.remove(e);
    Event ev = model.remove(at.index, e);
    assertThat(u.changed())
        .as("remove of " + e + " changes iff present")
        .isEqualTo(!ev.observed.isEmpty());
    return new Op<>(u, List.of(ev), "remove " + e);
  }

  private static final class VisibilityModel implements Model<OrSet> {
    /** Per replica: every add event known, by dot. */
    private final List<Map<Dot, String>> adds = new ArrayList<>();

    /** Per replica: the add events superseded or removed. */
    private final List<Set<Dot>> gone = new ArrayList<>();

    VisibilityModel(int replicas) {
      for (int i = 0; i < replicas; i++) {
        adds.add(new TreeMap<>());
        gone.add(new HashSet<>());
      }
    }

    private Set<Dot> visible(int replica, String element) {
      Set<Dot> out = new HashSet<>();
      adds.get(replica)
          .forEach(
              (d, e) -> {
                if (e.equals(element) && !gone.get(replica).contains(d)) {
                  out.add(d);
                }
              });
      return out;
    }

    /** Records an add: it supersedes the adds of the element visible at its replica. */
    Event add(int replica, Dot dot, String element) {
      Set<Dot> observed = visible(replica, element);
      Event ev = new Event(dot, element, observed);
      apply(replica, ev);
      return ev;
    }

    Event remove(int replica, String element) {
      Event ev = new Event(null, element, visible(replica, element));
      apply(replica, ev);
      return ev;
    }

    private void apply(int replica, Event ev) {
      if (ev.dot != null) {
        adds.get(replica).put(ev.dot, ev.element);
      }
      gone.get(replica).addAll(ev.observed);
      for (Dot d : ev.observed) {
        adds.get(replica).put(d, ev.element);
      }
    }

    @Override
    @SuppressWarnings("unchecked")
    public void delivered(int to, Object event) {
      for (Event ev : (List<Event>) event) {
        apply(to, ev);
      }
    }

    @Override
    public void mergedFullState(int into, int from) {
      adds.get(into).putAll(adds.get(from));
      gone.get(into).addAll(gone.get(from));
    }

    private Map<String, DotSet> present(int replica) {
      Map<String, List<Dot>> byElement = new TreeMap<>();
      adds.get(replica)
          .forEach(
              (d, e) -> {
                if (!gone.get(replica).contains(d)) {
                  byElement.computeIfAbsent(e, k -> new ArrayList<>()).add(d);
                }
              });
      Map<String, DotSet> out = new TreeMap<>();
      byElement.forEach((e, ds) -> out.put(e, DotSet.of(ds)));
      return out;
    }

    private static Map<String, DotSet> actual(OrSet state) {
      Map<String, DotSet> out = new TreeMap<>();
      state.entries().forEach(out::put);
      return out;
    }

    @Override
    public void checkReplica(int replica, OrSet state, String context) {
      assertThat(actual(state))
          .as(context + ": the adds not observed by a remove")
          .isEqualTo(present(replica));
      for (Dot d : adds.get(replica).keySet()) {
        assertThat(state.context().contains(d)).as(context + ": context holds " + d).isTrue();
      }
      assertThat(state.context().dotCount())
          .as(context + ": context holds only the dots seen")
          .isEqualTo(adds.get(replica).size());
    }

    @Override
    public void checkConverged(OrSet state, String context) {
      Map<Dot, String> all = new TreeMap<>();
      Set<Dot> allGone = new HashSet<>();
      for (int i = 0; i < adds.size(); i++) {
        all.putAll(adds.get(i));
        allGone.addAll(gone.get(i));
      }
      Set<String> expected = new java.util.TreeSet<>();
      all.forEach(
          (d, e) -> {
            if (!allGone.contains(d)) {
              expected.add(e);
            }
          });
      assertThat(state.value())
          .as(context + ": the elements with an add no remove observed")
          .containsExactlyElementsOf(expected);
      for (int i = 0; i < adds.size(); i++) {
        checkReplica(i, state, context + " (model of replica " + i + ")");
      }
    }
  }
}
