package dev.pt2cache.invalidation;

import dev.pt2cache.artifact.ArtifactFilter;
import dev.pt2cache.artifact.ArtifactPolicy;
import java.time.Instant;
import java.util.Optional;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Standing invalidation rules: an active blocking rule refuses uploads that match its selector, and
 * lookups never serve what it matches. Read from the database on each ask, so a rule created or
 * lifted on one instance holds on every instance at once.
 */
@Component
class BlockingRules implements ArtifactPolicy {

  private final InvalidationRepository invalidations;

  BlockingRules(InvalidationRepository invalidations) {
    this.invalidations = invalidations;
  }

  @Override
  @Transactional(readOnly = true)
  public Optional<String> refusal(String namespace, ArtifactFilter.Subject subject) {
    return invalidations.findActiveRules(namespace, Instant.now()).stream()
        .filter(rule -> rule.selector().toFilter().matches(subject))
        .findFirst()
        .map(
            rule ->
                "blocked by invalidation rule %s (%s)%s"
                    .formatted(
                        rule.id(),
                        rule.reason(),
                        rule.expiresAt() == null ? "" : " until " + rule.expiresAt()));
  }
}
