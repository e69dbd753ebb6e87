package dev.pt2cache.artifact;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * Whether an artifact may be stored or served at all: standing invalidation rules answer here
 * (implemented where the rules live, so that this package does not depend on them).
 */
public interface ArtifactPolicy {

  /**
   * Why an artifact like this is refused in the namespace, or empty when it is not. The subject is
   * asked for only when some rule could apply (building it may parse the descriptor).
   */
  Optional<String> refusal(String namespace, Supplier<ArtifactFilter.Subject> subject);

  /** The same answer, from the rules in force as a serving read found them. */
  Optional<String> refusal(StandingRules rules, Supplier<ArtifactFilter.Subject> subject);

  /**
   * The lock that orders a namespace's new blocking rules against the commits of its uploads: a
   * blocking invalidation holds it exclusively from before its rule is written until it has retired
   * the matches; a commit holds it shared while it checks the rules and makes its artifact ready.
   * So a rule either is in force when the commit checks, or retires what the commit made ready; an
   * upload reserved while the rule's retirement ran never slips between the two.
   */
  static String rulesLock(String namespace) {
    return "rules:" + namespace;
  }
}
