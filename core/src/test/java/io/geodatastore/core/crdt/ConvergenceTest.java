package io.geodatastore.core.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.testkit.History;
import io.geodatastore.core.testkit.Node;
import io.geodatastore.core.testkit.OrSetGen;
import io.geodatastore.core.testkit.TypeGen;
import io.geodatastore.core.testkit.Types;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Random operations on 3 to 5 replicas whose deltas are delivered in random order, duplicated and
 * lost; one full-state anti-entropy round must make every replica equal, to the value of a
 * sequential model. The failure message names the seed that replays the history.
 */
class ConvergenceTest {

  @Property
  void replicasConvergeToTheModelAfterLossyDeltaDeliveryAndAntiEntropy(
      @ForAll Types type, @ForAll long seed) {
    converge(type.gen(), seed);
  }

  @Property
  void orSetOverAWideAlphabetConvergesToTheModel(@ForAll long seed) {
    converge(new OrSetGen(60), seed);
  }

  private static <T extends Crdt<T>> void converge(TypeGen<T> gen, long seed) {
    History<T> h = History.run(gen, seed, true);
    h.antiEntropy();
    T first = h.nodes.get(0).state;
    for (Node<T> n : h.nodes) {
      assertThat(n.state)
          .as(h.describe() + ": " + n.id + " equals " + h.nodes.get(0).id)
          .isEqualTo(first);
    }
    h.model.checkConverged(first, h.describe());
  }
}
