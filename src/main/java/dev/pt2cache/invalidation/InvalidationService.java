package dev.pt2cache.invalidation;

import dev.pt2cache.artifact.ArtifactFilter;
import dev.pt2cache.artifact.ArtifactPolicy;
import dev.pt2cache.artifact.ArtifactRetirement;
import dev.pt2cache.artifact.ArtifactState;
import dev.pt2cache.namespace.NamespaceService;
import dev.pt2cache.system.AdvisoryLocks;
import dev.pt2cache.system.Times;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.domain.Limit;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Retires artifacts after a model or software update, and keeps the audit trail. */
@Service
public class InvalidationService {

  private static final Logger log = LoggerFactory.getLogger(InvalidationService.class);

  private final NamespaceService namespaces;
  private final InvalidationRepository invalidations;
  private final ArtifactRetirement retirement;
  private final AdvisoryLocks locks;

  InvalidationService(
      NamespaceService namespaces,
      InvalidationRepository invalidations,
      ArtifactRetirement retirement,
      AdvisoryLocks locks) {
    this.namespaces = namespaces;
    this.invalidations = invalidations;
    this.retirement = retirement;
    this.locks = locks;
  }

  /**
   * Retires every ready or pending match at once, in one transaction with its audit record; a
   * blocking rule goes on refusing matching uploads until it expires or is lifted.
   */
  @Transactional
  public Invalidation invalidate(
      String namespace, Selector selector, String reason, Invalidation.Rule rule) {
    ArtifactFilter filter = selector.toFilter();
    if (filter.isEmpty()) {
      throw new EmptySelectorException();
    }
    if (rule.expiresAt() != null) {
      Times.requireExpiry(rule.expiresAt(), Instant.now());
    }
    namespaces.require(namespace);
    return retire(namespace, selector, filter, reason, rule);
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
    return retire(namespace, selector, readyOnly, reason, Invalidation.Rule.NONE);
  }

  @Transactional
  public Invalidation lift(String namespace, UUID id) {
    namespaces.require(namespace);
    Invalidation rule =
        invalidations
            .findByIdAndNamespace(id, namespace)
            .orElseThrow(() -> new RuleNotFoundException(namespace, id));
    rule.lift();
    log.info("invalidation rule {} lifted", id);
    return rule;
  }

  @Transactional(readOnly = true)
  public List<Invalidation> recent(String namespace, int limit) {
    namespaces.require(namespace);
    return invalidations.findByNamespaceOrderByCreatedAtDesc(namespace, Limit.of(limit));
  }

  private Invalidation retire(
      String namespace,
      Selector selector,
      ArtifactFilter filter,
      String reason,
      Invalidation.Rule rule) {
    if (rule.blocking()) {
      // commits wait from here until this rule and its retirements are committed (ArtifactPolicy)
      locks.lock(ArtifactPolicy.rulesLock(namespace));
    }
    Invalidation invalidation =
        invalidations.saveAndFlush(new Invalidation(namespace, selector, reason, rule));
    invalidation.counted(retirement.retire(namespace, filter, invalidation.id()));
    log.info(
        "invalidation {} retired {} artifacts{}: {}",
        invalidation.id(),
        invalidation.invalidatedCount(),
        rule.blocking() ? " and blocks matching uploads" : "",
        reason);
    return invalidation;
  }
}
