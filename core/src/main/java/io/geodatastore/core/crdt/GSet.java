package io.geodatastore.core.crdt;

import java.util.Collection;
import java.util.List;

/**
 * G-Set: a grow-only set (Shapiro et al. 2011, §3.3.1); merge is union. Elements are opaque
 * strings, in practice the canonical JSON text of the API's element values, ordered by their text.
 * This class is immutable; an add copies O(log n) nodes, not the set.
 */
public final class GSet implements Crdt<GSet> {

  public static final GSet EMPTY = new GSet(ElementSet.EMPTY);

  private final ElementSet elements;

  private GSet(ElementSet elements) {
    this.elements = elements;
  }

  public static GSet of(Collection<String> elements) {
    return wrap(ElementSet.of(elements));
  }

  private static GSet wrap(ElementSet s) {
    return s.isEmpty() ? EMPTY : new GSet(s);
  }

  @Override
  public CrdtType type() {
    return CrdtType.G_SET;
  }

  /** The elements, in order. */
  public List<String> value() {
    return elements.toList();
  }

  public int size() {
    return elements.size();
  }

  public boolean contains(String element) {
    return elements.contains(element);
  }

  public Update<GSet> add(String element) {
    if (elements.contains(element)) {
      return Update.of(this, EMPTY);
    }
    return Update.of(new GSet(elements.add(element)), new GSet(ElementSet.of(element)));
  }

  @Override
  public GSet merge(GSet other) {
    ElementSet u = elements.union(other.elements);
    return u == elements ? this : u == other.elements ? other : wrap(u);
  }

  @Override
  public boolean isEmpty() {
    return elements.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GSet s && elements.equals(s.elements);
  }

  @Override
  public int hashCode() {
    return elements.hashCode();
  }

  @Override
  public String toString() {
    return "GSet" + elements;
  }
}
