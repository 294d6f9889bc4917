package io.geodatastore.core.testkit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.lang.ArchRule;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.Random;
import java.util.concurrent.Executors;

/**
 * The architecture rule every deterministic layer (core, cluster, sim) keeps: time, threads and
 * randomness are injected, never taken from the JDK directly. One definition, so the layers cannot
 * drift apart; each module adds its own further bans beside it.
 */
public final class DeterminismRules {

  private DeterminismRules() {}

  /**
   * No class in {@code packagePattern} (e.g. {@code "io.geodatastore.core.."}) reads a real clock,
   * starts or names a thread, uses an executor, or makes randomness of its own.
   */
  public static ArchRule noRealClockThreadOrOwnRandomness(String packagePattern) {
    return noClasses()
        .that()
        .resideInAPackage(packagePattern)
        .should()
        .callMethod(System.class, "currentTimeMillis")
        .orShould()
        .callMethod(System.class, "nanoTime")
        .orShould()
        .callMethod(Instant.class, "now")
        .orShould()
        .callMethod(LocalDateTime.class, "now")
        .orShould()
        .callMethod(Math.class, "random")
        .orShould()
        .dependOnClassesThat()
        .areAssignableTo(Thread.class)
        .orShould()
        .dependOnClassesThat()
        .belongToAnyOf(Executors.class, Random.class, Clock.class);
  }
}
