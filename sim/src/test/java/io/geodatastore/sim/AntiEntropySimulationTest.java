package io.geodatastore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.cluster.replication.ReplicationOptions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Replicas made to diverge in ways the delta streams cannot repair converge through anti-entropy
 * alone, to the state the history allows. A failing seed prints itself; replay it with {@code
 * -Dtest=AntiEntropySimulationTest -Dsim.ae.seed=SEED}.
 */
class AntiEntropySimulationTest {

  private static final long SEED_BASE = 0xae00_0000L;
  private static final int SEEDS = Integer.getInteger("sim.ae.seeds", 10);

  /** Short logs: a peer 8 entries behind is left to anti-entropy (an origin writes about 17). */
  private static final ReplicationOptions SHORT_LOGS =
      new ReplicationOptions(2, 4_096, 2, 4, 400, 8, 50);

  private static void runSeeds(Simulation.Scenario scenario, ReplicationOptions replication) {
    String only = System.getProperty("sim.ae.seed");
    List<String> failures = new ArrayList<>();
    long first = only == null ? SEED_BASE : Long.parseLong(only);
    int count = only == null ? SEEDS : 1;
    for (int i = 0; i < count; i++) {
      Simulation.Options o =
          Simulation.Options.defaults(first + i).withScenario(scenario, replication);
      Simulation.Report r = Simulation.run(o);
      if (!r.ok()) {
        StringBuilder b = new StringBuilder("\n" + scenario + ", seed " + r.seed() + " failed\n");
        b.append(r.summary()).append('\n');
        r.violations().stream().limit(20).forEach(v -> b.append("  - ").append(v).append('\n'));
        failures.add(b.toString());
      } else if (i == 0) {
        System.out.println(scenario + ": " + r.summary());
      }
    }
    assertThat(failures).as("failing seeds").isEmpty();
  }

  @Test
  void aNodeThatNeverReceivesADeltaConvergesThroughAntiEntropyAlone() {
    runSeeds(new Simulation.Scenario.DeltasLostTo(4), Simulation.Options.defaults(0).replication());
  }

  @Test
  void aRegionCutOffLongerThanTheLogsKeepConvergesThroughAntiEntropy() {
    runSeeds(new Simulation.Scenario.RegionCutOff(2), SHORT_LOGS);
  }
}
