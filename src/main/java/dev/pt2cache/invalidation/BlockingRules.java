package dev.pt2cache.invalidation;

import dev.pt2cache.artifact.Artifact;
import dev.pt2cache.artifact.ArtifactFilter;
import dev.pt2cache.artifact.ArtifactPolicy;
import dev.pt2cache.artifact.ArtifactRetirement;
import dev.pt2cache.artifact.StandingRules;
import dev.pt2cache.descriptor.CanonicalJson;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Standing invalidation rules: an active blocking rule refuses uploads that match its selector, and
 * lookups never serve what it matches. Read from the database on each ask, so a rule created or
 * lifted on one instance holds on every instance at once.
 *
 * <p>Serving reads find the rules in force in the same statement as the artifact (the view {@code
 * active_blocking_rule}, V3); uploads ask here, with one query against the same view. Either way
 * the subject is built only when a rule exists to test it against.
 */
@Component
class BlockingRules implements ArtifactPolicy {

  private static final String ACTIVE_RULES =
      """
      select id, selector::text as selector, reason, expires_at, created_at
        from active_blocking_rule
       where namespace = ?
       order by created_at
      """;

  private final JdbcClient jdbc;
  private final ArtifactRetirement retirement;
  private final InvalidationRepository invalidations;

  BlockingRules(
      JdbcClient jdbc, ArtifactRetirement retirement, InvalidationRepository invalidations) {
    this.jdbc = jdbc;
    this.retirement = retirement;
    this.invalidations = invalidations;
  }

  @Override
  public Optional<String> refusal(String namespace, Supplier<ArtifactFilter.Subject> subject) {
    return firstMatch(activeRules(namespace), subject);
  }

  private List<ActiveRule> activeRules(String namespace) {
    return jdbc.sql(ACTIVE_RULES).param(namespace).query(ActiveRule.class).list();
  }

  @Override
  public Function<ArtifactFilter.Subject, Optional<Refusing>> rulesInForce(String namespace) {
    List<ActiveRule> rules = activeRules(namespace);
    return subject ->
        firstRule(rules, () -> subject)
            .map(rule -> new Refusing(rule.id(), rule.createdAt().toInstant()));
  }

  @Override
  public boolean retiredByRule(Artifact ready) {
    Optional<ActiveRule> rule = firstRule(activeRules(ready.namespace()), ready::subject);
    if (rule.isEmpty()) {
      return false;
    }
    // none when the rule's batch retired it first (it held the row, and this waited for it)
    int retired = retirement.retireSome(List.of(ready.id()), rule.get().id());
    invalidations.countRetired(rule.get().id(), retired);
    return true;
  }

  @Override
  public Optional<String> refusal(StandingRules rules, Supplier<ArtifactFilter.Subject> subject) {
    if (rules.none()) {
      return Optional.empty();
    }
    return firstMatch(
        Arrays.asList(CanonicalJson.parse(rules.json(), ActiveRule[].class)), subject);
  }

  private static Optional<String> firstMatch(
      List<ActiveRule> rules, Supplier<ArtifactFilter.Subject> subject) {
    return firstRule(rules, subject).map(ActiveRule::describe);
  }

  private static Optional<ActiveRule> firstRule(
      List<ActiveRule> rules, Supplier<ArtifactFilter.Subject> subject) {
    if (rules.isEmpty()) {
      return Optional.empty();
    }
    ArtifactFilter.Subject tested = subject.get();
    return rules.stream()
        .filter(
            rule -> {
              ArtifactFilter filter =
                  CanonicalJson.parse(rule.selector(), Selector.class).toFilter();
              // a rule that names nothing is never made now; one stored by an older instance
              // during an upgrade must not block the whole namespace
              return !filter.isEmpty() && filter.matches(tested);
            })
        .findFirst();
  }

  record ActiveRule(
      UUID id, String selector, String reason, OffsetDateTime expiresAt, OffsetDateTime createdAt) {
    String describe() {
      return "blocked by invalidation rule %s (%s)%s"
          .formatted(id, reason, expiresAt == null ? "" : " until " + expiresAt.toInstant());
    }
  }
}
