package dev.pt2cache.artifact;

import java.util.Optional;

/**
 * Whether an artifact may be stored or served at all: standing invalidation rules answer here
 * (implemented where the rules live, so that this package does not depend on them).
 */
public interface ArtifactPolicy {

  /** Why an artifact like this is refused in the namespace, or empty when it is not. */
  Optional<String> refusal(String namespace, ArtifactFilter.Subject subject);
}
