package io.geodatastore.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.time.Clock;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * {@code core} is pure: it depends on nothing but the JDK's language and collection classes, and
 * reads no clock, starts no thread and draws no randomness; time and randomness are injected.
 */
class ArchitectureTest {

  private static final JavaClasses CORE =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.geodatastore.core");

  @Test
  void coreDependsOnlyOnJavaLangJavaUtilAndItself() {
    ArchRule rule =
        classes()
            .that()
            .resideInAPackage("io.geodatastore.core..")
            .should()
            .onlyDependOnClassesThat()
            .resideInAnyPackage("java.lang..", "java.util..", "io.geodatastore.core..")
            .andShould()
            .onlyDependOnClassesThat()
            .resideOutsideOfPackage("java.util.concurrent..");
    rule.check(CORE);
  }

  @Test
  void coreReadsNoClockStartsNoThreadAndDrawsNoRandomness() {
    ArchRule rule =
        noClasses()
            .that()
            .resideInAPackage("io.geodatastore.core..")
            .should()
            .callMethod(System.class, "currentTimeMillis")
            .orShould()
            .callMethod(System.class, "nanoTime")
            .orShould()
            .callMethod(Instant.class, "now")
            .orShould()
            .dependOnClassesThat()
            .areAssignableTo(Thread.class)
            .orShould()
            .dependOnClassesThat()
            .areAssignableTo(RandomGenerator.class)
            .orShould()
            .dependOnClassesThat()
            .belongToAnyOf(Executors.class, Random.class, Clock.class)
            .orShould()
            .callMethod(Math.class, "random");
    rule.check(CORE);
  }
}
