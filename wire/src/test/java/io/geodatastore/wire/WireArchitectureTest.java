package io.geodatastore.wire;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The wire layer sits on core and protobuf, and nothing else. */
@AnalyzeClasses(
    packages = "io.geodatastore.wire",
    importOptions = ImportOption.DoNotIncludeTests.class)
class WireArchitectureTest {

  @ArchTest
  static final ArchRule wireDependsOnlyOnJavaCoreAndProtobuf =
      classes()
          .that()
          .resideInAPackage("io.geodatastore.wire..")
          .should()
          .onlyDependOnClassesThat()
          .resideInAnyPackage(
              "java..",
              "io.geodatastore.core..",
              "io.geodatastore.wire..",
              "com.google.protobuf..");
}
