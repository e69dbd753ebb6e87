package dev.pt2cache;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import org.springframework.data.repository.Repository;
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

  /** The feature packages, each a capability with its own entity, service and controller. */
  private static final String[] FEATURES = {
    "dev.pt2cache.artifact..",
    "dev.pt2cache.auth..",
    "dev.pt2cache.descriptor..",
    "dev.pt2cache.entry..",
    "dev.pt2cache.housekeeping..",
    "dev.pt2cache.invalidation..",
    "dev.pt2cache.lookup..",
    "dev.pt2cache.namespace..",
    "dev.pt2cache.problem..",
    "dev.pt2cache.ratelimit..",
    "dev.pt2cache.report..",
    "dev.pt2cache.warmup.."
  };

  /**
   * The store sits below the features: they see a {@code BlobStore} of digests and bytes, and it
   * knows nothing of artifacts, namespaces or entries. No cycle would catch a dependency of blob on
   * a feature that does not use blob itself (namespace, say); this does.
   */
  @ArchTest
  static final ArchRule theStoreKnowsNoFeature =
      noClasses()
          .that()
          .resideInAPackage("dev.pt2cache.blob..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(FEATURES)
          .orShould()
          .dependOnClassesThat()
          .resideInAPackage("dev.pt2cache.api..");

  /**
   * Each table has one owner: a feature's repository is used by that feature's own classes, and the
   * others go through its public face (the artifact package asks {@code StoredBlobs}, never the
   * blob table's repository). Public repositories are what Spring Data needs, not an invitation.
   */
  @ArchTest
  static final ArchRule repositoriesAreUsedOnlyInTheirOwnPackage =
      classes().should(useOnlyRepositoriesOfTheirOwnPackage());

  private static ArchCondition<JavaClass> useOnlyRepositoriesOfTheirOwnPackage() {
    return new ArchCondition<>("use only repositories of their own package") {
      @Override
      public void check(JavaClass origin, ConditionEvents events) {
        for (Dependency dependency : origin.getDirectDependenciesFromSelf()) {
          JavaClass target = dependency.getTargetClass();
          if (target.isAssignableTo(Repository.class)
              && target.getPackageName().startsWith("dev.pt2cache.")
              && !target.getPackageName().equals(origin.getPackageName())) {
            events.add(SimpleConditionEvent.violated(dependency, dependency.getDescription()));
          }
        }
      }
    };
  }

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
