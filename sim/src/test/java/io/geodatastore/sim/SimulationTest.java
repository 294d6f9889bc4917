package io.geodatastore.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Seeded whole-cluster simulations. A failing seed is printed with the command that replays it
 * exactly:
 *
 * <pre>./mvnw -B -ntp -q -pl sim test -Dtest=SimulationTest#replay -Dsim.seed=SEED</pre>
 *
 * (with {@code -Dsim.variant=deletesAndSkips} for a seed of that suite). {@code make test} runs
 * {@code sim.seeds} seeds (300 by default) and {@code sim.gc.seeds} of the deletes-and-skips
 * variant (100 by default); {@code make test-comprehensive} also runs the {@code comprehensive}
 * suite of 5,000 more.
 */
class SimulationTest {

  private static final long SEED_BASE = 0x5eed_0000L;

  static String replayCommand(long seed, String variant) {
    return "./mvnw -B -ntp -q -pl sim test -Dtest=SimulationTest#replay -Dsim.seed="
        + seed
        + (variant.equals("defaults") ? "" : " -Dsim.variant=" + variant);
  }

  private static Simulation.Options options(String variant, long seed) {
    return switch (variant) {
      case "defaults" -> Simulation.Options.defaults(seed);
      case "deletesAndSkips" -> Simulation.Options.deletesAndSkips(seed);
      default -> throw new IllegalArgumentException("unknown sim.variant " + variant);
    };
  }

  /** Runs the seeds; returns the sessions' figures summed over them. */
  private static Map<String, Long> runSeeds(long first, int count) {
    return runSeeds(first, count, "defaults");
  }

  private static Map<String, Long> runSeeds(long first, int count, String variant) {
    List<String> failures = new ArrayList<>();
    Map<String, Long> figures = new TreeMap<>();
    long started = System.nanoTime();
    for (int i = 0; i < count; i++) {
      long seed = first + i;
      Simulation.Report r = Simulation.run(options(variant, seed));
      r.sessionReads().forEach((k, v) -> figures.merge(k, v, Long::sum));
      if (!r.ok()) {
        failures.add(describe(r, variant));
        if (failures.size() >= 3) {
          break;
        }
      }
    }
    System.out.printf(
        "simulation: %d seeds from %d in %d ms%n",
        count, first, (System.nanoTime() - started) / 1_000_000);
    assertThat(failures).as("failing seeds").isEmpty();
    System.out.println("session reads and writes over these seeds: " + figures);
    return figures;
  }

  private static String describe(Simulation.Report r, String variant) {
    StringBuilder b = new StringBuilder();
    b.append("\nseed ").append(r.seed()).append(" failed; replay with\n  ");
    b.append(replayCommand(r.seed(), variant)).append('\n').append(r.summary()).append('\n');
    r.violations().stream().limit(20).forEach(v -> b.append("  - ").append(v).append('\n'));
    if (r.violations().size() > 20) {
      b.append("  … ").append(r.violations().size() - 20).append(" more\n");
    }
    return b.toString();
  }

  @Test
  void aClusterWithFaultsConvergesToTheModelForEverySeed() {
    Map<String, Long> f = runSeeds(SEED_BASE, Integer.getInteger("sim.seeds", 300));
    // The session checks are not vacuous: reads were served in every way the levels allow, some
    // failed rather than answer stale, and quorum reads repaired replicas.
    assertThat(f)
        .as("session figures")
        .containsKeys(
            "session.local",
            "session.waited",
            "session.fetched",
            "causal.local",
            "quorum.merged",
            "all.merged",
            "local_quorum.merged",
            "all.failed",
            "repairs.quorum");
  }

  @Test
  void theSessionChecksFindStaleReadsWhenSessionReadsIgnoreTheToken() {
    List<String> found = new ArrayList<>();
    for (long seed = SEED_BASE; seed < SEED_BASE + 40 && found.isEmpty(); seed++) {
      Simulation.Report r =
          Simulation.run(Simulation.Options.defaults(seed).withoutSessionGuarantees());
      r.violations().stream()
          .filter(v -> v.startsWith("read-your-writes") || v.startsWith("monotonic reads"))
          .findFirst()
          .ifPresent(v -> found.add("seed " + r.seed() + ": " + v));
    }
    System.out.println("without session guarantees: " + found);
    assertThat(found).as("a session violation within 40 seeds").isNotEmpty();
  }

  /**
   * Deleted keys never come back: many deletes and re-creates, streams that skip past nodes that
   * are down or cut off (leaving holes that only the Merkle exchange repairs), collection every 150
   * ms.
   */
  @Test
  void deletedKeysNeverComeBackWithSkippedRangesAndFrequentCollection() {
    runSeeds(SEED_BASE + 500_000, Integer.getInteger("sim.gc.seeds", 100), "deletesAndSkips");
  }

  @Test
  @Tag("comprehensive")
  void manyMoreSeeds() {
    runSeeds(SEED_BASE + 1_000_000, Integer.getInteger("sim.comprehensive.seeds", 5_000));
  }

  @Test
  void theSameSeedGivesTheSameTrace() {
    for (long seed = 7; seed < 10; seed++) {
      Simulation.Report a = Simulation.run(Simulation.Options.defaults(seed));
      Simulation.Report b = Simulation.run(Simulation.Options.defaults(seed));
      assertThat(b.traceHash()).as("trace of seed %d", seed).isEqualTo(a.traceHash());
      assertThat(b.violations()).isEqualTo(a.violations());
      assertThat(b.summary()).isEqualTo(a.summary());
    }
    assertThat(Simulation.run(Simulation.Options.defaults(7)).traceHash())
        .isNotEqualTo(Simulation.run(Simulation.Options.defaults(8)).traceHash());
  }

  /**
   * The causality check can fail: with causal delivery off, streams are FIFO per origin only, and a
   * replica shows a chain write before a write its writer had seen whenever another origin's entry
   * is delayed (loss, reordering, a partition, a crash, or a longer path). That happens in nearly
   * every seed (100 of the first 100 when this was written); {@value #NEGATIVE_SEEDS} seeds are
   * enough.
   */
  @Test
  void withoutCausalDeliveryTheCausalityCheckFindsViolations() {
    int failing = 0;
    String first = null;
    for (long seed = SEED_BASE; seed < SEED_BASE + NEGATIVE_SEEDS; seed++) {
      Simulation.Options d = Simulation.Options.defaults(seed);
      Simulation.Report r =
          Simulation.run(d.withReplication(d.replication().withCausalDelivery(false)));
      List<String> causal =
          r.violations().stream().filter(v -> v.startsWith("causality:")).toList();
      if (!causal.isEmpty()) {
        failing++;
        if (first == null) {
          first = "seed " + seed + ": " + causal.getFirst();
        }
      }
    }
    System.out.printf(
        "without causal delivery: %d of %d seeds violate causality; first: %s%n",
        failing, NEGATIVE_SEEDS, first);
    assertThat(failing).as("seeds that violate causality without causal delivery").isPositive();
  }

  private static final int NEGATIVE_SEEDS = 10;

  /** Replays one seed: {@code -Dsim.seed=SEED}. Skipped without it. */
  @Test
  void replay() {
    String seed = System.getProperty("sim.seed");
    assumeTrue(seed != null && !seed.isBlank(), "no -Dsim.seed given");
    String variant = System.getProperty("sim.variant", "defaults");
    Simulation.Report r = Simulation.run(options(variant, Long.parseLong(seed)));
    System.out.println(r.summary() + "\ntrace " + Long.toHexString(r.traceHash()));
    assertThat(r.violations()).as(describe(r, variant)).isEmpty();
  }
}
