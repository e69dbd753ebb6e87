package dev.pt2cache.invalidation;

import dev.pt2cache.artifact.ArtifactFilter;
import dev.pt2cache.artifact.ArtifactPolicy;
import dev.pt2cache.artifact.ArtifactRetirement;
import dev.pt2cache.artifact.ArtifactState;
import dev.pt2cache.descriptor.CanonicalJson;
import dev.pt2cache.namespace.NamespaceService;
import dev.pt2cache.system.AdvisoryLocks;
import dev.pt2cache.system.AnswerWait;
import dev.pt2cache.system.LockWait;
import dev.pt2cache.system.PageCursor;
import dev.pt2cache.system.ServiceClock;
import dev.pt2cache.system.Times;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.domain.Limit;
import org.springframework.stereotype.Service;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/** Retires artifacts after a model or software update, and keeps the audit trail. */
@Service
public class InvalidationService {

  private static final Logger log = LoggerFactory.getLogger(InvalidationService.class);

  private final NamespaceService namespaces;
  private final InvalidationRepository invalidations;
  private final ArtifactRetirement retirement;
  private final AdvisoryLocks locks;
  private final LockWait lockWait;
  private final AnswerWait answerWait;
  private final TransactionTemplate transactions;
  private final TransactionTemplate reading;
  private final TransactionTemplate batches;
  private final RetirementSlots slots;
  private final KeyedRecords keys;
  private final ServiceClock clock;
  private final int retireBatch;

  InvalidationService(
      NamespaceService namespaces,
      InvalidationRepository invalidations,
      ArtifactRetirement retirement,
      AdvisoryLocks locks,
      LockWait lockWait,
      AnswerWait answerWait,
      TransactionTemplate transactions,
      RetirementSlots slots,
      KeyedRecords keys,
      ServiceClock clock,
      @Value("${pt2cache.invalidations.retire-batch:1000}") int retireBatch) {
    this.namespaces = namespaces;
    this.invalidations = invalidations;
    this.retirement = retirement;
    this.locks = locks;
    this.lockWait = lockWait;
    this.answerWait = answerWait;
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
   * Retires every ready or pending match, and answers once none is left. One without a rule does so
   * in one transaction with its audit record. A blocking rule is committed first, under the rules
   * lock, and is in force from then on: serving reads refuse its matches and commits refuse
   * matching uploads. Its matches are then retired in batches of their own (ADR 0029), so that the
   * namespace's upload commits, which wait for the rules lock, never wait for a retirement of 10^5
   * artifacts (16 s). One without a rule, called inside a transaction, joins it; a blocking one
   * must not be (its batches run in transactions of their own, on a second connection while the
   * read of its matches holds the first, and would wait for the caller's rule): only the API makes
   * one. Blocking ones run at most {@link RetirementSlots} at once on an instance, so that those
   * two connections each holds always fit in the pool together; one beyond waits for a slot as long
   * as for a connection, then is refused ({@link RetirementsBusyException}) before it changes
   * anything.
   */
  public Invalidation invalidate(
      String namespace, Selector selector, String reason, Invalidation.Rule rule) {
    return invalidate(namespace, selector, reason, rule, null).invalidation();
  }

  /**
   * What an invalidation answers: its record, and whether an earlier request with its key made it.
   */
  public record Invalidated(Invalidation invalidation, boolean resent) {}

  /**
   * As {@link #invalidate(String, Selector, String, Invalidation.Rule)}, with the client's
   * Idempotency-Key (the header as sent; null when none). A key already recorded in the namespace
   * with the same request answers its record instead of recording another: for a blocking one whose
   * rule still stands, after retiring what its rule matches and is still retirable (what a first
   * request cut mid-way left), under that rule. With another request, it is refused ({@link
   * IdempotencyKeyReusedException}) and changes nothing. Two requests with one key at once record
   * one: the second waits for the first's record, then is a resend ({@link KeyedRecords}, ADR
   * 0029).
   */
  public Invalidated invalidate(
      String namespace,
      Selector selector,
      String reasonAsSent,
      Invalidation.Rule rule,
      String keyHeader) {
    String reason = Invalidation.oneLine(reasonAsSent);
    ArtifactFilter filter = selector.toFilter();
    if (filter.isEmpty()) {
      throw new EmptySelectorException();
    }
    IdempotencyKey key = IdempotencyKey.of(keyHeader, selector, reason, rule);
    if (key == null && rule.expiresAt() != null) {
      Times.requireExpiry(rule.expiresAt(), clock.now());
    }
    namespaces.require(namespace);
    if (rule.blocking()) {
      // a slot before the first connection: one refused has recorded and retired nothing
      return slots.run(() -> retireUnderRule(namespace, selector, filter, reason, rule, key));
    }
    return transactions.execute(
        status -> {
          // its matches' rows, locked by a writer that never ends, answer busy (docs/adr/0039)
          lockWait.bound();
          Optional<Invalidation> earlier = keys.earlier(namespace, key, rule);
          if (earlier.isPresent()) {
            return new Invalidated(earlier.get(), true);
          }
          return new Invalidated(retire(namespace, selector, filter, reason, rule, key), false);
        });
  }

  private Invalidated retireUnderRule(
      String namespace,
      Selector selector,
      ArtifactFilter filter,
      String reason,
      Invalidation.Rule rule,
      IdempotencyKey key) {
    Invalidated made =
        transactions.execute(
            status -> {
              Optional<Invalidation> earlier = keys.earlier(namespace, key, rule);
              if (earlier.isPresent()) {
                return new Invalidated(earlier.get(), true);
              }
              // commits wait from here until this rule is committed (ArtifactPolicy): those that
              // checked the rules before it are over by then, and ready; the batches retire them
              locks.lock(ArtifactPolicy.rulesLock(namespace));
              return new Invalidated(
                  invalidations.saveAndFlush(
                      new Invalidation(namespace, selector, reason, rule, key, clock.now())),
                  false);
            });
    UUID id = made.invalidation().id();
    if (made.resent() && !made.invalidation().active(clock.now())) {
      // lifted or expired since: what its matches became since is no longer the rule's to retire
      return made;
    }
    // A resend's rule committed before its read too: what it yields is what the first request left
    AtomicLong retired = new AtomicLong();
    try {
      retireMatches(namespace, filter, id, retired);
    } catch (RuntimeException e) {
      // a lock held past the wait (Hibernate's LockTimeoutException, untranslated), a lost
      // connection: the rule committed before, and stands
      throw new RetirementUnfinishedException(id, retired.get(), key != null, e);
    }
    Invalidation done = transactions.execute(status -> invalidations.findById(id).orElseThrow());
    log.info(
        "invalidation {} ({}) retired {} artifacts and blocks matching uploads{}: {}",
        id,
        resendable(done),
        done.invalidatedCount(),
        made.resent() ? " (sent again)" : "",
        reason);
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

  /** Retires the ready artifacts whose content was lost, recorded as an invalidation. */
  @Transactional
  public Invalidation retireLostContent(String namespace, String sha256, String reason) {
    Selector selector = Selector.ofSha256(sha256);
    ArtifactFilter readyOnly =
        new ArtifactFilter(
            null,
            null,
            ArtifactState.READY,
            null,
            sha256,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null);
    return retire(namespace, selector, readyOnly, reason, Invalidation.Rule.NONE, null);
  }

  @Transactional
  public Invalidation lift(String namespace, UUID id) {
    namespaces.require(namespace);
    lockWait.bound();
    Invalidation rule =
        invalidations
            .findByIdAndNamespace(id, namespace)
            .orElseThrow(() -> new RuleNotFoundException(namespace, id));
    rule.lift(clock.now());
    if (rule.blocking()) {
      log.info("invalidation rule {} lifted", id);
    }
    return rule;
  }

  /** One page of a namespace's invalidations, newest first; the first when cursor is null. */
  @Transactional(readOnly = true)
  public InvalidationPage list(String namespace, int limit, String cursor) {
    namespaces.require(namespace);
    PageCursor<UUID> after = cursor == null ? null : PageCursor.decode(cursor, UUID::fromString);
    Limit oneMore = Limit.of(limit + 1);
    List<Invalidation> rows =
        after == null
            ? invalidations.findByNamespaceOrderByCreatedAtDescIdDesc(namespace, oneMore)
            : invalidations.findPageAfter(namespace, after.at(), after.id(), oneMore);
    if (rows.size() <= limit) {
      return new InvalidationPage(rows, null);
    }
    Invalidation last = rows.get(limit - 1);
    return new InvalidationPage(
        rows.subList(0, limit), new PageCursor<>(last.createdAt(), last.id()).encode());
  }

  private Invalidation retire(
      String namespace,
      Selector selector,
      ArtifactFilter filter,
      String reason,
      Invalidation.Rule rule,
      IdempotencyKey key) {
    Invalidation invalidation =
        invalidations.saveAndFlush(
            new Invalidation(namespace, selector, reason, rule, key, clock.now()));
    // one statement that retires every match: 10^6 of them run past a minute (docs/adr/0039)
    invalidation.counted(
        answerWait.lifted(() -> retirement.retire(namespace, filter, invalidation.id())));
    log.info(
        "invalidation {} ({}) retired {} artifacts: {}",
        invalidation.id(),
        resendable(invalidation),
        invalidation.invalidatedCount(),
        reason);
    return invalidation;
  }

  /**
   * What a resend of the invalidation needs: a database restored from a backup forgets those made
   * after it, and the operator re-applies them from these lines (docs/backup-and-restore.md).
   */
  private static String resendable(Invalidation invalidation) {
    String rule =
        !invalidation.blocking()
            ? ""
            : invalidation.expiresAt() == null
                ? ", blocking until lifted"
                : ", blocking until " + invalidation.expiresAt();
    return "namespace %s, selector %s%s"
        .formatted(
            invalidation.namespace(), oneLine(CanonicalJson.of(invalidation.selector())), rule);
  }

  /**
   * The selector's JSON with what its canonical form leaves as it is (DEL, the C1 controls,
   * U+2028/U+2029) written as JSON escapes: the line stays one line, and the JSON, resent, selects
   * the same. Such characters can only stand in its strings, where an escape means the same.
   */
  private static String oneLine(String json) {
    return Invalidation.CONTROL
        .matcher(json)
        .replaceAll(c -> "\\\\u%04x".formatted((int) c.group().charAt(0)));
  }
}
