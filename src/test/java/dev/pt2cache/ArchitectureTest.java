package dev.pt2cache;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.RestController;

@AnalyzeClasses(packages = "dev.pt2cache", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule featuresHaveNoCycles =
      slices().matching("dev.pt2cache.(*)..").should().beFreeOfCycles();

  @ArchTest
  static final ArchRule controllersNeverTouchRepositoriesOrTheS3Client =
      noClasses()
          .that()
          .areAnnotatedWith(RestController.class)
          .should()
          .dependOnClassesThat()
          .haveSimpleNameEndingWith("Repository")
          .orShould()
          .dependOnClassesThat()
          .resideInAPackage("software.amazon.awssdk..")
          .orShould()
          .dependOnClassesThat()
          .resideInAPackage("org.springframework.jdbc..");

  @ArchTest
  static final ArchRule onlyTheBlobPackageKnowsTheAwsSdk =
      noClasses()
          .that()
          .resideOutsideOfPackage("dev.pt2cache.blob..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("software.amazon.awssdk..");

  @ArchTest
  static final ArchRule servicesKnowNothingOfTheWebContract =
      noClasses()
          .that()
          .areAnnotatedWith(Service.class)
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.pt2cache.api..");

  @ArchTest
  static final ArchRule domainExceptionsKnowNothingOfHttp =
      noClasses()
          .that()
          .areAssignableTo(RuntimeException.class)
          .and()
          .resideOutsideOfPackage("dev.pt2cache.problem..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("org.springframework.http..", "org.springframework.web..");
}
