package io.geodatastore.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.geodatastore.core.testkit.DeterminismRules;
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
    DeterminismRules.noRealClockThreadOrOwnRandomness("io.geodatastore.core..").check(CORE);
    // Stricter than the other deterministic layers: core is not even handed a random source.
    noClasses()
        .that()
        .resideInAPackage("io.geodatastore.core..")
        .should()
        .dependOnClassesThat()
        .areAssignableTo(RandomGenerator.class)
        .check(CORE);
  }
}
