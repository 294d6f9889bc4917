package io.geodatastore.core.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class PersistentSortedMapTest {

  @Property
  void randomPutsAndRemovesMatchATreeMap(@ForAll long seed) {
    Random rnd = new Random(seed);
    PersistentSortedMap<Integer, String> map = PersistentSortedMap.empty();
    TreeMap<Integer, String> model = new TreeMap<>();
    int keys = 1 + rnd.nextInt(300);
    int ops = rnd.nextInt(600);
    List<PersistentSortedMap<Integer, String>> versions = new ArrayList<>();
    List<TreeMap<Integer, String>> models = new ArrayList<>();
    for (int i = 0; i < ops; i++) {
      int k = rnd.nextInt(keys);
      if (rnd.nextInt(3) == 0) {
        map = map.remove(k);
        model.remove(k);
      } else {
        String v = "v" + rnd.nextInt(3);
        map = map.put(k, v);
        model.put(k, v);
      }
      if (rnd.nextInt(50) == 0) {
        versions.add(map);
        models.add(new TreeMap<>(model));
      }
    }
    String why = "seed=" + seed;
    check(map, model, why);
    int from = rnd.nextInt(keys);
    int to = from + rnd.nextInt(keys);
    List<Integer> inRange = new ArrayList<>();
    map.forEachInRange(from, to, (k, v) -> inRange.add(k));
    assertThat(inRange)
        .as(why + " range " + from + ".." + to)
        .containsExactlyElementsOf(model.subMap(from, true, to, true).keySet());
    for (int i = 0; i < versions.size(); i++) {
      check(versions.get(i), models.get(i), why + ": an older version is unchanged");
    }
    PersistentSortedMap<Integer, String> rebuilt =
        PersistentSortedMap.fromSorted(
            new ArrayList<>(model.keySet()), new ArrayList<>(model.values()));
    assertThat(rebuilt).as(why).isEqualTo(map);
    assertThat(rebuilt.hashCode()).as(why).isEqualTo(map.hashCode());
  }

  private static void check(
      PersistentSortedMap<Integer, String> map, TreeMap<Integer, String> model, String why) {
    assertThat(map.size()).as(why).isEqualTo(model.size());
    assertThat(map.isEmpty()).as(why).isEqualTo(model.isEmpty());
    assertThat(map.keys()).as(why).containsExactlyElementsOf(model.keySet());
    List<Map.Entry<Integer, String>> entries = new ArrayList<>();
    map.forEach((k, v) -> entries.add(Map.entry(k, v)));
    assertThat(entries).as(why).containsExactlyElementsOf(model.entrySet());
    List<Map.Entry<Integer, String>> iterated = new ArrayList<>();
    map.iterator().forEachRemaining(iterated::add);
    assertThat(iterated).as(why).containsExactlyElementsOf(model.entrySet());
    for (int k = -1; k <= (model.isEmpty() ? 0 : model.lastKey() + 1); k++) {
      assertThat(map.get(k)).as(why + " get " + k).isEqualTo(model.get(k));
    }
    assertThat(height(map))
        .as(why + ": AVL height for " + model.size() + " entries")
        .isLessThanOrEqualTo((int) Math.floor(1.45 * Math.log(model.size() + 2) / Math.log(2)));
  }

  /** The tree's height, read through its private root (the class exposes no height). */
  private static int height(PersistentSortedMap<?, ?> map) {
    try {
      var rootField = PersistentSortedMap.class.getDeclaredField("root");
      rootField.setAccessible(true);
      Object root = rootField.get(map);
      if (root == null) {
        return 0;
      }
      var heightField = root.getClass().getDeclaredField("height");
      heightField.setAccessible(true);
      return heightField.getInt(root);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void putOfAnExistingBindingReturnsTheSameInstance() {
    PersistentSortedMap<String, String> m =
        PersistentSortedMap.<String, String>empty().put("a", "1").put("b", "2");
    assertThat(m.put("a", "1")).isSameAs(m);
    assertThat(m.remove("zz")).isSameAs(m);
    assertThat(m.put("a", "2")).isNotSameAs(m);
    assertThat(m.get("a")).isEqualTo("1");
  }

  @Test
  void sequentialInsertsStayBalanced() {
    PersistentSortedMap<Integer, Integer> m = PersistentSortedMap.empty();
    for (int i = 0; i < 10_000; i++) {
      m = m.put(i, i);
    }
    assertThat(height(m))
        .isLessThanOrEqualTo((int) Math.floor(1.45 * Math.log(10_002) / Math.log(2)));
    for (int i = 0; i < 9_990; i++) {
      m = m.remove(i);
    }
    assertThat(m.keys()).hasSize(10);
    assertThat(height(m)).isLessThanOrEqualTo(4);
  }
}
