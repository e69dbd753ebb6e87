package dev.pt2cache.invalidation;

import static dev.pt2cache.invalidation.InvalidationLines.log;

import dev.pt2cache.namespace.NamespaceService;
import dev.pt2cache.system.Caller;
import dev.pt2cache.system.LockWait;
import dev.pt2cache.system.PageCursor;
import dev.pt2cache.system.ServiceClock;
import java.util.List;
import java.util.UUID;
import org.springframework.data.domain.Limit;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * A namespace's invalidations once recorded: read back as its audit trail, page by page, and the
 * one change a record takes afterwards, the lift of its rule. Neither retires anything, so neither
 * needs what recording one does (slots, batches, Idempotency-Keys).
 */
@Service
class InvalidationTrail {

  private final NamespaceService namespaces;
  private final InvalidationRepository invalidations;
  private final LockWait lockWait;
  private final ServiceClock clock;

  InvalidationTrail(
      NamespaceService namespaces,
      InvalidationRepository invalidations,
      LockWait lockWait,
      ServiceClock clock) {
    this.namespaces = namespaces;
    this.invalidations = invalidations;
    this.lockWait = lockWait;
    this.clock = clock;
  }

  /**
   * Lifts the invalidation's rule, recording the caller's token as who lifted it; a standing rule's
   * lift is logged, as its blocking stops.
   */
  @Transactional
  public Invalidation lift(String namespace, UUID id) {
    namespaces.require(namespace);
    lockWait.bound();
    Invalidation rule =
        invalidations
            .findByIdAndNamespace(id, namespace)
            .orElseThrow(() -> new RuleNotFoundException(namespace, id));
    rule.lift(clock.now(), Caller.token());
    if (rule.blocking()) {
      log.info("invalidation rule {} lifted by {}", id, rule.liftedBy());
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
    return new InvalidationPage(
        PageCursor.page(rows, limit),
        PageCursor.after(rows, limit, last -> new PageCursor<>(last.createdAt(), last.id())));
  }
}
