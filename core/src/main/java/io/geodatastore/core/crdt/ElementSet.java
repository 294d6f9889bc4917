package io.geodatastore.core.crdt;

import io.geodatastore.core.util.PersistentSortedMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * An immutable sorted set of elements (canonical JSON text), shared by the set types. Adding one
 * element copies O(log n) nodes; a union inserts the smaller set into the larger.
 */
final class ElementSet implements Iterable<String> {

  static final ElementSet EMPTY = new ElementSet(PersistentSortedMap.empty());

  private final PersistentSortedMap<String, Boolean> elements;

  private ElementSet(PersistentSortedMap<String, Boolean> elements) {
    this.elements = elements;
  }

  static ElementSet of(String element) {
    return new ElementSet(PersistentSortedMap.of(element, Boolean.TRUE));
  }

  static ElementSet of(Collection<String> elements) {
    List<String> sorted = new ArrayList<>(elements);
    Collections.sort(sorted);
    List<String> distinct = new ArrayList<>(sorted.size());
    for (String e : sorted) {
      if (distinct.isEmpty() || !distinct.get(distinct.size() - 1).equals(e)) {
        distinct.add(e);
      }
    }
    if (distinct.isEmpty()) {
      return EMPTY;
    }
    return new ElementSet(
        PersistentSortedMap.fromSorted(distinct, Collections.nCopies(distinct.size(), true)));
  }

  int size() {
    return elements.size();
  }

  boolean isEmpty() {
    return elements.isEmpty();
  }

  boolean contains(String element) {
    return elements.containsKey(element);
  }

  ElementSet add(String element) {
    PersistentSortedMap<String, Boolean> m = elements.put(element, Boolean.TRUE);
    return m == elements ? this : new ElementSet(m);
  }

  ElementSet remove(String element) {
    PersistentSortedMap<String, Boolean> m = elements.remove(element);
    return m == elements ? this : m.isEmpty() ? EMPTY : new ElementSet(m);
  }

  ElementSet union(ElementSet other) {
    if (other.size() > size()) {
      return other.union(this);
    }
    ElementSet out = this;
    for (String e : other) {
      out = out.add(e);
    }
    return out;
  }

  /** The elements in ascending order, as a new list. */
  List<String> toList() {
    return elements.keys();
  }

  @Override
  public Iterator<String> iterator() {
    Iterator<Map.Entry<String, Boolean>> it = elements.iterator();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public String next() {
        return it.next().getKey();
      }
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ElementSet s && elements.equals(s.elements);
  }

  @Override
  public int hashCode() {
    return elements.hashCode();
  }

  @Override
  public String toString() {
    return toList().toString();
  }
}
