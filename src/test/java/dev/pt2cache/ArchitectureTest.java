package dev.pt2cache;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import dev.pt2cache.blob.BlobStore;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
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

  /**
   * Words of the contract (states, reasons, roles) are cased by {@link java.util.Locale#ROOT}, not
   * by the host's language: on a Turkish host {@code "PENDING".toLowerCase()} is {@code pendıng}
   * (HostSettingsTest).
   */
  @ArchTest
  static final ArchRule stringsAreNeverCasedByTheHostsLanguage =
      noClasses()
          .should()
          .callMethod(String.class, "toLowerCase")
          .orShould()
          .callMethod(String.class, "toUpperCase");

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

  /**
   * On Java 21 to 23 (JEP 444) a virtual thread that blocks inside a {@code synchronized} method,
   * or waits to enter one, pins its carrier, and there are as many carriers as cores: two probes
   * waiting on a slow store in a synchronized health check stalled every request of a 2-core
   * instance (docs/adr/0052). A synchronized method must not reach the store, JDBC, JPA, Spring
   * Data or the AWS SDK, directly or through methods of the code base it calls; such waits take a
   * {@code ReentrantLock}. What it does not see: {@code synchronized} blocks (ArchUnit does not
   * model them; the few there are hold field updates only), calls made from lambdas, and calls
   * through interfaces of the code base other than {@code BlobStore}.
   */
  @ArchTest
  static final ArchRule synchronizedMethodsNeverWaitOnTheStoreOrTheDatabase =
      classes().should(haveNoSynchronizedMethodThatReachesTheStoreOrTheDatabase());

  private static ArchCondition<JavaClass>
      haveNoSynchronizedMethodThatReachesTheStoreOrTheDatabase() {
    return new ArchCondition<>(
        "have no synchronized method that reaches the store or the database") {
      @Override
      public void check(JavaClass origin, ConditionEvents events) {
        for (JavaMethod method : origin.getMethods()) {
          if (method.getModifiers().contains(JavaModifier.SYNCHRONIZED)) {
            JavaCall<?> blocking = firstBlockingCall(method);
            if (blocking != null) {
              events.add(
                  SimpleConditionEvent.violated(
                      method,
                      method.getFullName()
                          + " is synchronized and reaches "
                          + blocking.getDescription()));
            }
          }
        }
      }
    };
  }

  /** The first call to the store or the database reachable from {@code start}, or null. */
  private static JavaCall<?> firstBlockingCall(JavaCodeUnit start) {
    Deque<JavaCodeUnit> next = new ArrayDeque<>();
    Set<JavaCodeUnit> seen = new HashSet<>();
    next.add(start);
    while (!next.isEmpty()) {
      JavaCodeUnit unit = next.poll();
      if (!seen.add(unit)) {
        continue;
      }
      for (JavaCall<?> call : unit.getCallsFromSelf()) {
        JavaClass owner = call.getTargetOwner();
        if (blocks(owner)) {
          return call;
        }
        if (owner.getPackageName().startsWith("dev.pt2cache")) {
          call.getTarget().resolveMember().ifPresent(next::add);
        }
      }
    }
    return null;
  }

  private static boolean blocks(JavaClass owner) {
    String name = owner.getName();
    return owner.isAssignableTo(BlobStore.class)
        || owner.isAssignableTo(Repository.class)
        || name.startsWith("java.sql.")
        || name.startsWith("javax.sql.")
        || name.startsWith("jakarta.persistence.")
        || name.startsWith("org.springframework.jdbc.")
        || name.startsWith("org.springframework.data.")
        || name.startsWith("software.amazon.awssdk.");
  }
}
