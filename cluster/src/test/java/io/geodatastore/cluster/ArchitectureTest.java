package io.geodatastore.cluster;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.geodatastore.core.testkit.DeterminismRules;
import org.junit.jupiter.api.Test;

/**
 * {@code cluster} is deterministic: it sees the world only through {@link Env}. It depends on the
 * JDK's language and collection classes and on {@code core}, reads no clock, starts no thread,
 * makes no randomness of its own and knows no transport; of storage it sees only the SPI's value
 * types (log entries, records), never RocksDB.
 */
class ArchitectureTest {

  private static final JavaClasses CLUSTER =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.geodatastore.cluster");

  @Test
  void clusterDependsOnlyOnJavaLangJavaUtilCoreAndItself() {
    ArchRule rule =
        classes()
            .that()
            .resideInAPackage("io.geodatastore.cluster..")
            .should()
            .onlyDependOnClassesThat()
            .resideInAnyPackage(
                "java.lang..",
                "java.util..",
                "io.geodatastore.core..",
                "io.geodatastore.storage",
                "io.geodatastore.cluster..")
            .andShould()
            .onlyDependOnClassesThat()
            .resideOutsideOfPackage("java.util.concurrent..");
    rule.check(CLUSTER);
  }

  @Test
  void clusterKnowsNoTransportRocksDbOrHttp() {
    ArchRule rule =
        noClasses()
            .that()
            .resideInAPackage("io.geodatastore.cluster..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                "io.grpc..",
                "org.rocksdb..",
                "com.linecorp.armeria..",
                "java.net..",
                "java.nio..",
                "java.io..",
                "io.geodatastore.storage.rocksdb..",
                "io.geodatastore.wire..");
    rule.check(CLUSTER);
  }

  @Test
  void clusterReadsNoClockStartsNoThreadAndMakesNoRandomness() {
    DeterminismRules.noRealClockThreadOrOwnRandomness("io.geodatastore.cluster..").check(CLUSTER);
  }
}
