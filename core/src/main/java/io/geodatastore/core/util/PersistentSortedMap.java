package io.geodatastore.core.util;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * An immutable sorted map: a persistent AVL tree with path copying.
 *
 * <p>{@link #put} and {@link #remove} copy only the O(log n) nodes on the path to the key and share
 * the rest with the original, so an update of a map of 10,000 entries allocates about 14 nodes
 * instead of copying 10,000. Iteration is in ascending key order, which is what makes encodings of
 * equal maps identical. {@link #fromSorted} builds a balanced tree from sorted input in O(n), which
 * is what a linear merge of two maps produces. Null keys and values are not allowed.
 *
 * @param <K> key type, ordered by its natural order
 * @param <V> value type
 */
public final class PersistentSortedMap<K extends Comparable<K>, V>
    implements Iterable<Map.Entry<K, V>> {

  private static final PersistentSortedMap<?, ?> EMPTY = new PersistentSortedMap<>(null, 0);

  private final Node<K, V> root;
  private final int size;

  private PersistentSortedMap(Node<K, V> root, int size) {
    this.root = root;
    this.size = size;
  }

  /** The empty map. */
  @SuppressWarnings("unchecked")
  public static <K extends Comparable<K>, V> PersistentSortedMap<K, V> empty() {
    return (PersistentSortedMap<K, V>) EMPTY;
  }

  /** A map of one entry. */
  public static <K extends Comparable<K>, V> PersistentSortedMap<K, V> of(K key, V value) {
    return new PersistentSortedMap<>(Node.leaf(key, value), 1);
  }

  /**
   * Builds a balanced map from keys in strictly ascending order and their values, in O(n).
   *
   * @throws IllegalArgumentException if the keys are not strictly ascending or the lists differ in
   *     length
   */
  public static <K extends Comparable<K>, V> PersistentSortedMap<K, V> fromSorted(
      List<K> keys, List<V> values) {
    if (keys.size() != values.size()) {
      throw new IllegalArgumentException("keys and values differ in length");
    }
    for (int i = 1; i < keys.size(); i++) {
      if (keys.get(i - 1).compareTo(keys.get(i)) >= 0) {
        throw new IllegalArgumentException("keys are not strictly ascending at index " + i);
      }
    }
    if (keys.isEmpty()) {
      return empty();
    }
    return new PersistentSortedMap<>(build(keys, values, 0, keys.size()), keys.size());
  }

  private static <K extends Comparable<K>, V> Node<K, V> build(
      List<K> keys, List<V> values, int from, int to) {
    if (from >= to) {
      return null;
    }
    int mid = (from + to) >>> 1;
    Node<K, V> left = build(keys, values, from, mid);
    Node<K, V> right = build(keys, values, mid + 1, to);
    return new Node<>(keys.get(mid), values.get(mid), left, right);
  }

  public int size() {
    return size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  /** The value for {@code key}, or null when there is none. */
  public V get(K key) {
    Objects.requireNonNull(key, "key");
    Node<K, V> n = root;
    while (n != null) {
      int c = key.compareTo(n.key);
      if (c == 0) {
        return n.value;
      }
      n = c < 0 ? n.left : n.right;
    }
    return null;
  }

  public boolean containsKey(K key) {
    return get(key) != null;
  }

  /** A map with {@code key} bound to {@code value}; this map when it already holds that binding. */
  public PersistentSortedMap<K, V> put(K key, V value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    boolean[] added = new boolean[1];
    Node<K, V> newRoot = insert(root, key, value, added);
    if (newRoot == root) {
      return this;
    }
    return new PersistentSortedMap<>(newRoot, added[0] ? size + 1 : size);
  }

  /** A map without {@code key}; this map when it has no such key. */
  public PersistentSortedMap<K, V> remove(K key) {
    Objects.requireNonNull(key, "key");
    Node<K, V> newRoot = delete(root, key);
    if (newRoot == root) {
      return this;
    }
    return newRoot == null ? empty() : new PersistentSortedMap<>(newRoot, size - 1);
  }

  /** Calls {@code action} for every entry, in ascending key order. */
  public void forEach(BiConsumer<? super K, ? super V> action) {
    forEach(root, action);
  }

  private static <K, V> void forEach(Node<K, V> n, BiConsumer<? super K, ? super V> action) {
    while (n != null) {
      forEach(n.left, action);
      action.accept(n.key, n.value);
      n = n.right;
    }
  }

  /**
   * Calls {@code action} for every entry whose key lies in {@code [from, to]} (both inclusive), in
   * ascending order, visiting only the O(log n + k) nodes that can hold such keys.
   */
  public void forEachInRange(K from, K to, BiConsumer<? super K, ? super V> action) {
    forEachInRange(root, from, to, action);
  }

  private static <K extends Comparable<K>, V> void forEachInRange(
      Node<K, V> n, K from, K to, BiConsumer<? super K, ? super V> action) {
    if (n == null) {
      return;
    }
    boolean aboveFrom = n.key.compareTo(from) >= 0;
    boolean belowTo = n.key.compareTo(to) <= 0;
    if (aboveFrom) {
      forEachInRange(n.left, from, to, action);
    }
    if (aboveFrom && belowTo) {
      action.accept(n.key, n.value);
    }
    if (belowTo) {
      forEachInRange(n.right, from, to, action);
    }
  }

  /** The keys in ascending order, as a new list. */
  public List<K> keys() {
    List<K> out = new ArrayList<>(size);
    forEach((k, v) -> out.add(k));
    return out;
  }

  @Override
  public Iterator<Map.Entry<K, V>> iterator() {
    return new InOrder<>(root);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof PersistentSortedMap<?, ?> other) || other.size != size) {
      return false;
    }
    Iterator<Map.Entry<K, V>> a = iterator();
    Iterator<? extends Map.Entry<?, ?>> b = other.iterator();
    while (a.hasNext()) {
      if (!a.next().equals(b.next())) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = 0;
    for (Map.Entry<K, V> e : this) {
      h = 31 * h + e.hashCode();
    }
    return h;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    forEach(
        (k, v) -> {
          if (sb.length() > 1) {
            sb.append(", ");
          }
          sb.append(k).append('=').append(v);
        });
    return sb.append('}').toString();
  }

  // ---- AVL internals ----

  private static final class Node<K, V> {
    final K key;
    final V value;
    final Node<K, V> left;
    final Node<K, V> right;
    final int height;

    Node(K key, V value, Node<K, V> left, Node<K, V> right) {
      this.key = key;
      this.value = value;
      this.left = left;
      this.right = right;
      this.height = 1 + Math.max(height(left), height(right));
    }

    static <K, V> Node<K, V> leaf(K key, V value) {
      return new Node<>(key, value, null, null);
    }
  }

  private static int height(Node<?, ?> n) {
    return n == null ? 0 : n.height;
  }

  private static <K extends Comparable<K>, V> Node<K, V> insert(
      Node<K, V> n, K key, V value, boolean[] added) {
    if (n == null) {
      added[0] = true;
      return Node.leaf(key, value);
    }
    int c = key.compareTo(n.key);
    if (c == 0) {
      return n.value.equals(value) ? n : new Node<>(key, value, n.left, n.right);
    }
    if (c < 0) {
      Node<K, V> l = insert(n.left, key, value, added);
      return l == n.left ? n : balance(n.key, n.value, l, n.right);
    }
    Node<K, V> r = insert(n.right, key, value, added);
    return r == n.right ? n : balance(n.key, n.value, n.left, r);
  }

  private static <K extends Comparable<K>, V> Node<K, V> delete(Node<K, V> n, K key) {
    if (n == null) {
      return null;
    }
    int c = key.compareTo(n.key);
    if (c < 0) {
      Node<K, V> l = delete(n.left, key);
      return l == n.left ? n : balance(n.key, n.value, l, n.right);
    }
    if (c > 0) {
      Node<K, V> r = delete(n.right, key);
      return r == n.right ? n : balance(n.key, n.value, n.left, r);
    }
    if (n.left == null) {
      return n.right;
    }
    if (n.right == null) {
      return n.left;
    }
    Node<K, V> min = n.right;
    while (min.left != null) {
      min = min.left;
    }
    return balance(min.key, min.value, n.left, removeMin(n.right));
  }

  private static <K, V> Node<K, V> removeMin(Node<K, V> n) {
    if (n.left == null) {
      return n.right;
    }
    return balance(n.key, n.value, removeMin(n.left), n.right);
  }

  private static <K, V> Node<K, V> balance(K key, V value, Node<K, V> l, Node<K, V> r) {
    int hl = height(l);
    int hr = height(r);
    if (hl > hr + 1) {
      if (height(l.left) >= height(l.right)) {
        return new Node<>(l.key, l.value, l.left, new Node<>(key, value, l.right, r));
      }
      Node<K, V> lr = l.right;
      return new Node<>(
          lr.key,
          lr.value,
          new Node<>(l.key, l.value, l.left, lr.left),
          new Node<>(key, value, lr.right, r));
    }
    if (hr > hl + 1) {
      if (height(r.right) >= height(r.left)) {
        return new Node<>(r.key, r.value, new Node<>(key, value, l, r.left), r.right);
      }
      Node<K, V> rl = r.left;
      return new Node<>(
          rl.key,
          rl.value,
          new Node<>(key, value, l, rl.left),
          new Node<>(r.key, r.value, rl.right, r.right));
    }
    return new Node<>(key, value, l, r);
  }

  private static final class InOrder<K, V> implements Iterator<Map.Entry<K, V>> {
    private final ArrayList<Node<K, V>> stack = new ArrayList<>();

    InOrder(Node<K, V> root) {
      pushLeft(root);
    }

    private void pushLeft(Node<K, V> n) {
      while (n != null) {
        stack.add(n);
        n = n.left;
      }
    }

    @Override
    public boolean hasNext() {
      return !stack.isEmpty();
    }

    @Override
    public Map.Entry<K, V> next() {
      if (stack.isEmpty()) {
        throw new NoSuchElementException();
      }
      Node<K, V> n = stack.remove(stack.size() - 1);
      pushLeft(n.right);
      return Map.entry(n.key, n.value);
    }
  }
}
