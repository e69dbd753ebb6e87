package dev.pt2cache.invalidation;

import dev.pt2cache.artifact.ArtifactFilter;
import dev.pt2cache.namespace.NamespaceService;
import dev.pt2cache.system.Caller;
import dev.pt2cache.system.LockWait;
import dev.pt2cache.system.ServiceClock;
import dev.pt2cache.system.Times;
import java.util.Optional;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Retires artifacts after a model or software update, and keeps the audit trail: the one door
 * through which an invalidation is made, by the API, a report's threshold or lost content. It
 * checks the request, answers a resend by its Idempotency-Key, and hands the retirement to {@link
 * ImmediateRetirement} (no rule: one transaction) or {@link BlockingRetirement} (a standing rule:
 * the rule first, then batches). Reading the trail and lifting a rule is {@link
 * InvalidationTrail}'s.
 */
@Service
public class InvalidationService {

  private final NamespaceService namespaces;
  private final LockWait lockWait;
  private final TransactionTemplate transactions;
  private final KeyedRecords keys;
  private final ImmediateRetirement immediate;
  private final BlockingRetirement blocking;
  private final ServiceClock clock;

  InvalidationService(
      NamespaceService namespaces,
      LockWait lockWait,
      TransactionTemplate transactions,
      KeyedRecords keys,
      ImmediateRetirement immediate,
      BlockingRetirement blocking,
      ServiceClock clock) {
    this.namespaces = namespaces;
    this.lockWait = lockWait;
    this.transactions = transactions;
    this.keys = keys;
    this.immediate = immediate;
    this.blocking = blocking;
    this.clock = clock;
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
   * 0029). The record keeps the current request's token as its maker (docs/adr/0049): the API's
   * caller, or the reporter whose report reached the namespace's threshold.
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
    Retiring asked = new Retiring(namespace, selector, filter, reason, rule, key, Caller.token());
    if (rule.blocking()) {
      return blocking.retire(asked);
    }
    return transactions.execute(
        status -> {
          // its matches' rows, locked by a writer that never ends, answer busy (docs/adr/0039)
          lockWait.bound();
          Optional<Invalidation> earlier = keys.earlier(namespace, key, rule);
          if (earlier.isPresent()) {
            return new Invalidated(earlier.get(), true);
          }
          return new Invalidated(immediate.retire(asked), false);
        });
  }

  /**
   * Retires the ready artifacts whose content was lost, recorded as an invalidation that the
   * service made ({@link Caller#CONTENT_LOSS}), whichever request or job found the loss.
   */
  @Transactional
  public Invalidation retireLostContent(String namespace, String sha256, String reason) {
    Selector selector = Selector.ofSha256(sha256);
    ArtifactFilter readyOnly = selector.toFilter().readyOnly();
    return immediate.retire(
        new Retiring(
            namespace,
            selector,
            readyOnly,
            reason,
            Invalidation.Rule.NONE,
            null,
            Caller.CONTENT_LOSS));
  }
}
