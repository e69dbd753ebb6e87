package dev.pt2cache.invalidation;

import static dev.pt2cache.invalidation.InvalidationLines.log;
import static dev.pt2cache.invalidation.InvalidationLines.resendable;

import dev.pt2cache.artifact.ArtifactFilter;
import dev.pt2cache.artifact.ArtifactPolicy;
import dev.pt2cache.artifact.ArtifactRetirement;
import dev.pt2cache.invalidation.InvalidationService.Invalidated;
import dev.pt2cache.system.AdvisoryLocks;
import dev.pt2cache.system.LockWait;
import dev.pt2cache.system.ServiceClock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A blocking invalidation (ADR 0029): its rule committed first, under the namespace's rules lock,
 * then its matches retired in batches, each in a transaction of its own, so that upload commits,
 * which wait for the rules lock, never wait for a retirement of 10^5 artifacts. It holds two pooled
 * connections while it retires (the read of its matches, the batch), so it runs in one of the
 * instance's {@link RetirementSlots} or is refused before it changes anything. It must not be
 * called inside a transaction: its batches would wait for the caller's rule.
 */
@Component
class BlockingRetirement {

  private final InvalidationRepository invalidations;
  private final ArtifactRetirement retirement;
  private final AdvisoryLocks locks;
  private final LockWait lockWait;
  private final TransactionTemplate transactions;
  private final TransactionTemplate reading;
  private final TransactionTemplate batches;
  private final RetirementSlots slots;
  private final KeyedRecords keys;
  private final ServiceClock clock;
  private final int retireBatch;

  BlockingRetirement(
      InvalidationRepository invalidations,
      ArtifactRetirement retirement,
      AdvisoryLocks locks,
      LockWait lockWait,
      TransactionTemplate transactions,
      RetirementSlots slots,
      KeyedRecords keys,
      ServiceClock clock,
      @Value("${pt2cache.invalidations.retire-batch:1000}") int retireBatch) {
    this.invalidations = invalidations;
    this.retirement = retirement;
    this.locks = locks;
    this.lockWait = lockWait;
    this.transactions = transactions;
    this.slots = slots;
    this.keys = keys;
    this.clock = clock;
    this.reading = new TransactionTemplate(transactions.getTransactionManager());
    this.reading.setReadOnly(true);
    this.batches = new TransactionTemplate(transactions.getTransactionManager());
    this.batches.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    if (retireBatch < 1) {
      throw new IllegalArgumentException(
          "pt2cache.invalidations.retire-batch must be positive, not " + retireBatch);
    }
    this.retireBatch = retireBatch;
  }

  /**
   * Records the rule (or finds the one its key recorded) and retires its matches, in a slot: one
   * refused for want of a slot has recorded and retired nothing ({@link RetirementsBusyException}).
   */
  Invalidated retire(Retiring asked) {
    // a slot before the first connection: one refused has recorded and retired nothing
    return slots.run(() -> retireUnderRule(asked));
  }

  private Invalidated retireUnderRule(Retiring asked) {
    String namespace = asked.namespace();
    Invalidated made =
        transactions.execute(
            status -> {
              Optional<Invalidation> earlier = keys.earlier(namespace, asked.key(), asked.rule());
              if (earlier.isPresent()) {
                return new Invalidated(earlier.get(), true);
              }
              // commits wait from here until this rule is committed (ArtifactPolicy): those that
              // checked the rules before it are over by then, and ready; the batches retire them
              locks.lock(ArtifactPolicy.rulesLock(namespace));
              return new Invalidated(invalidations.saveAndFlush(asked.record(clock.now())), false);
            });
    UUID id = made.invalidation().id();
    if (made.resent() && !made.invalidation().active(clock.now())) {
      // lifted or expired since: what its matches became since is no longer the rule's to retire
      return made;
    }
    // A resend's rule committed before its read too: what it yields is what the first request left
    AtomicLong retired = new AtomicLong();
    try {
      retireMatches(namespace, asked.filter(), id, retired);
    } catch (RuntimeException e) {
      // a lock held past the wait (Hibernate's LockTimeoutException, untranslated), a lost
      // connection: the rule committed before, and stands
      throw new RetirementUnfinishedException(id, retired.get(), asked.key() != null, e);
    }
    Invalidation done = transactions.execute(status -> invalidations.findById(id).orElseThrow());
    log.info(
        "invalidation {} ({}) retired {} artifacts and blocks matching uploads{}: {}",
        id,
        resendable(done),
        done.invalidatedCount(),
        made.resent() ? " (sent again)" : "",
        asked.reason());
    return new Invalidated(done, made.resent());
  }

  /**
   * Retires the rule's matches in batches, adding each committed batch's count to {@code retired}.
   */
  private void retireMatches(String namespace, ArtifactFilter filter, UUID id, AtomicLong retired) {
    // One read of the matches, in a read-only transaction whose snapshot, taken after the rule
    // committed, holds every match made ready before it (ArtifactPolicy#rulesLock); each batch of
    // what it yields is retired in a transaction of its own. Matches made after it are only
    // pending reservations, whose commit the rule refuses.
    reading.executeWithoutResult(
        read -> {
          try (Stream<UUID> matches = retirement.matches(namespace, filter)) {
            List<UUID> batch = new ArrayList<>(retireBatch);
            Iterator<UUID> next = matches.iterator();
            while (next.hasNext()) {
              batch.add(next.next());
              if (batch.size() == retireBatch || !next.hasNext()) {
                List<UUID> ids = List.copyOf(batch);
                batch.clear();
                Integer done =
                    batches.execute(
                        write -> {
                          // the rule stands: a resend with its Idempotency-Key retires the rest
                          lockWait.bound();
                          int some = retirement.retireSome(ids, id);
                          invalidations.countRetired(id, some);
                          return some;
                        });
                retired.addAndGet(done == null ? 0 : done);
              }
            }
          }
        });
  }
}
