package dev.pt2cache.artifact;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
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
   * The rules in force in the namespace, read once, to test many artifacts against: for each, the
   * rule that refuses it, if one does. What a metadata read, a listing or a miss's closest match
   * shows of a match whose batch has not come yet (ADR 0029, "Every answer agrees").
   */
  Function<ArtifactFilter.Subject, Optional<Refusing>> rulesInForce(String namespace);

  /**
   * Retires a ready artifact that a rule in force matches, as the rule's batch will, counted on the
   * rule's record; answers whether a rule matches it (then it is retired, by this call or by the
   * batch that held its row before). Runs in the caller's transaction, where the key's holder is
   * decided on (ADR 0029, "Every answer agrees").
   */
  boolean retiredByRule(Artifact ready);

  /** A rule in force that refuses an artifact, and when it was made. */
  record Refusing(UUID rule, Instant since) {}

  /**
   * The lock that orders a namespace's new blocking rules against the commits of its uploads: a
   * blocking invalidation holds it exclusively from before its rule is written until the rule has
   * committed (its matches are retired afterwards, in batches: ADR 0029); a commit holds it shared
   * while it checks the rules and makes its artifact ready. So a rule either is in force when the
   * commit checks, or the commit had finished before the rule was, and the batches, whose read of
   * the matches begins after it, retire what it made ready; an upload reserved while the rule's
   * retirement ran never slips between the two.
   */
  static String rulesLock(String namespace) {
    return "rules:" + namespace;
  }
}
