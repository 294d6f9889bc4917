package io.geodatastore.sim;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.geodatastore.core.testkit.DeterminismRules;
import org.junit.jupiter.api.Test;

/**
 * The simulator is deterministic only if nothing in it reaches the real world: no real clock, no
 * thread, no unseeded randomness, no socket and no RocksDB (the simulated disk is {@link
 * MemoryReplica}).
 */
class SimArchitectureTest {

  private static final JavaClasses SIM =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.geodatastore.sim");

  @Test
  void simReadsNoRealClockStartsNoThreadAndMakesNoUnseededRandomness() {
    DeterminismRules.noRealClockThreadOrOwnRandomness("io.geodatastore.sim..").check(SIM);
    noClasses()
        .that()
        .resideInAPackage("io.geodatastore.sim..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("java.util.concurrent..")
        .check(SIM);
  }

  @Test
  void simUsesNoSocketsAndNoRocksDb() {
    ArchRule rule =
        noClasses()
            .that()
            .resideInAPackage("io.geodatastore.sim..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                "java.net..",
                "java.nio.channels..",
                "io.grpc..",
                "io.netty..",
                "org.rocksdb..",
                "io.geodatastore.storage.rocksdb..");
    rule.check(SIM);
  }
}
