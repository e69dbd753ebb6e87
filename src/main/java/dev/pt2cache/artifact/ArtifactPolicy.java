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
}
