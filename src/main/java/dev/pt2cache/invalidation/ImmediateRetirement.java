package dev.pt2cache.invalidation;

import static dev.pt2cache.invalidation.InvalidationLines.log;
import static dev.pt2cache.invalidation.InvalidationLines.resendable;

import dev.pt2cache.artifact.ArtifactRetirement;
import dev.pt2cache.system.AnswerWait;
import dev.pt2cache.system.ServiceClock;
import org.springframework.stereotype.Component;

/**
 * An invalidation without a standing rule: its record and the retirement of every match in one
 * statement, in the transaction of whoever calls it (the API's request, a report's threshold,
 * housekeeping's lost content), so that the record and what it retired commit or roll back
 * together. It opens no transaction of its own: each caller has one, and joins it here.
 */
@Component
class ImmediateRetirement {

  private final InvalidationRepository invalidations;
  private final ArtifactRetirement retirement;
  private final AnswerWait answerWait;
  private final ServiceClock clock;

  ImmediateRetirement(
      InvalidationRepository invalidations,
      ArtifactRetirement retirement,
      AnswerWait answerWait,
      ServiceClock clock) {
    this.invalidations = invalidations;
    this.retirement = retirement;
    this.answerWait = answerWait;
    this.clock = clock;
  }

  /** Records the invalidation and retires what its filter matches, in the caller's transaction. */
  Invalidation retire(Retiring asked) {
    Invalidation invalidation = invalidations.saveAndFlush(asked.record(clock.now()));
    // one statement that retires every match: 10^6 of them run past a minute (docs/adr/0039)
    invalidation.counted(
        answerWait.lifted(
            () -> retirement.retire(asked.namespace(), asked.filter(), invalidation.id())));
    log.info(
        "invalidation {} ({}) retired {} artifacts: {}",
        invalidation.id(),
        resendable(invalidation),
        invalidation.invalidatedCount(),
        asked.reason());
    return invalidation;
  }
}
