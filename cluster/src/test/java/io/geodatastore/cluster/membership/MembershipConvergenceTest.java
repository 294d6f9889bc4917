package io.geodatastore.cluster.membership;

import io.geodatastore.cluster.MemberState;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Whole-cluster simulation: random partitions, heals, packet loss, crashes, restarts and leaves,
 * then everything heals and the cluster runs to quiescence. Every live node must then see every
 * live node alive, every crashed node dead (or purged) and every departed node left, dead or
 * purged. The seed, printed with every failure, replays the run exactly.
 */
class MembershipConvergenceTest {

  private static final long QUIESCENCE_MAX_MS = 240_000;
  private static final long STABLE_MS = 20_000;

  /** What the test did to a node, hence what everybody must end up believing. */
  private enum Fate {
    RUNNING,
    CRASHED,
    LEFT
  }

  @Property
  void afterRandomFaultsAndHealingEveryViewIsTheTrueView(
      @ForAll long seed, @ForAll @IntRange(min = 5, max = 9) int size) {
    SplittableRandom r = new SplittableRandom(seed);
    MembershipOptions options = MembershipOptions.builder().deadRetentionMs(30_000).build();
    SimCluster c = new SimCluster(seed, size, List.of(0, 1, 2), options);
    Fate[] fate = new Fate[size];
    java.util.Arrays.fill(fate, Fate.RUNNING);
    StringBuilder log = new StringBuilder();
    c.startAll(r.nextInt(100));
    c.net.runFor(r.nextLong(0, 5_000));

    int steps = r.nextInt(5, 25);
    for (int step = 0; step < steps; step++) {
      log.append(c.net.nowMs()).append(": ").append(randomFault(c, r, fate)).append('\n');
      c.net.runFor(r.nextLong(200, 15_000));
    }
    c.net.heal();
    log.append(c.net.nowMs()).append(": heal\n");

    boolean quiet = c.net.runUntil(() -> trueView(c, fate).isEmpty(), 500, QUIESCENCE_MAX_MS);
    String context = "seed " + seed + ", size " + size + "\n" + log + c.describe();
    check(quiet, "not converged: " + trueView(c, fate).orElse("") + "\n" + context);
    c.net.runFor(STABLE_MS);
    check(
        trueView(c, fate).isEmpty(),
        "converged but not stable: " + trueView(c, fate).orElse("") + "\n" + context);
  }

  private static String randomFault(SimCluster c, SplittableRandom r, Fate[] fate) {
    int n = c.size();
    return switch (r.nextInt(7)) {
      case 0 -> {
        int region = r.nextInt(SimCluster.REGIONS.length);
        c.isolate(c.regionMembers(region));
        yield "isolate region r" + region;
      }
      case 1 -> {
        Set<Integer> island = new HashSet<>();
        for (int i = 0; i < n; i++) {
          if (r.nextInt(3) == 0) {
            island.add(i);
          }
        }
        c.isolate(island);
        yield "isolate " + island;
      }
      case 2 -> {
        c.net.heal();
        yield "heal";
      }
      case 3 -> {
        int i = r.nextInt(n);
        double loss = 0.1 + 0.3 * r.nextDouble();
        c.net.loss(SimCluster.address(i), loss);
        yield "loss " + (int) (loss * 100) + "% at n" + i;
      }
      case 4 -> {
        int i = r.nextInt(n);
        if (fate[i] != Fate.RUNNING || lastLiveSeed(fate, i) || liveCount(fate) <= 2) {
          yield "(no crash)";
        }
        c.crash(i);
        fate[i] = Fate.CRASHED;
        yield "crash n" + i;
      }
      case 5 -> {
        int i = r.nextInt(n);
        if (fate[i] != Fate.RUNNING || lastLiveSeed(fate, i) || liveCount(fate) <= 2) {
          yield "(no leave)";
        }
        c.node(i).leave(() -> {});
        fate[i] = Fate.LEFT;
        yield "leave n" + i;
      }
      default -> {
        List<Integer> down = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          if (fate[i] != Fate.RUNNING) {
            down.add(i);
          }
        }
        if (down.isEmpty()) {
          yield "(no restart)";
        }
        int i = down.get(r.nextInt(down.size()));
        // Mostly the wall clock at start, as the node does; sometimes a clock that went back.
        long incarnation = r.nextInt(4) == 0 ? 0 : c.net.nowMs();
        c.crash(i); // a leaving node may still be in its grace period
        c.start(i, incarnation);
        fate[i] = Fate.RUNNING;
        yield "restart n" + i + " at incarnation " + incarnation;
      }
    };
  }

  private static boolean lastLiveSeed(Fate[] fate, int candidate) {
    if (candidate > 2) {
      return false;
    }
    for (int s = 0; s <= 2; s++) {
      if (s != candidate && fate[s] == Fate.RUNNING) {
        return false;
      }
    }
    return true;
  }

  private static int liveCount(Fate[] fate) {
    int live = 0;
    for (Fate f : fate) {
      live += f == Fate.RUNNING ? 1 : 0;
    }
    return live;
  }

  /** The first disagreement with the true view, or empty if every live node has it right. */
  private static Optional<String> trueView(SimCluster c, Fate[] fate) {
    for (int o = 0; o < c.size(); o++) {
      if (fate[o] != Fate.RUNNING) {
        continue;
      }
      for (int m = 0; m < c.size(); m++) {
        MemberState s = c.stateAt(o, m).orElse(null);
        boolean ok =
            switch (fate[m]) {
              case RUNNING -> s == MemberState.ALIVE;
              case CRASHED -> s == null || s == MemberState.DEAD;
              case LEFT -> s == null || s == MemberState.LEFT || s == MemberState.DEAD;
            };
        if (!ok) {
          return Optional.of("n" + o + " sees " + fate[m] + " n" + m + " as " + s);
        }
      }
    }
    return Optional.empty();
  }

  private static void check(boolean condition, String message) {
    if (!condition) {
      throw new AssertionError(message);
    }
  }
}
