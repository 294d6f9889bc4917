package io.geodatastore.storage;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** Storage sits on core, wire, RocksDB and SLF4J; the SPI never knows its implementation. */
@AnalyzeClasses(
    packages = "io.geodatastore.storage",
    importOptions = ImportOption.DoNotIncludeTests.class)
class StorageArchitectureTest {

  @ArchTest
  static final ArchRule storageDependsOnlyOnJavaCoreWireRocksDbAndSlf4j =
      classes()
          .that()
          .resideInAPackage("io.geodatastore.storage..")
          .should()
          .onlyDependOnClassesThat()
          .resideInAnyPackage(
              "java..",
              "io.geodatastore.core..",
              "io.geodatastore.wire..",
              "io.geodatastore.storage..",
              "org.rocksdb..",
              "org.slf4j..");

  @ArchTest
  static final ArchRule theSpiDoesNotDependOnItsRocksDbImplementation =
      noClasses()
          .that()
          .resideInAPackage("io.geodatastore.storage")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("io.geodatastore.storage.rocksdb..", "org.rocksdb..");
}
