package dev.pt2cache.invalidation;

import dev.pt2cache.artifact.ArtifactFilter;
import dev.pt2cache.artifact.ArtifactRetirement;
import dev.pt2cache.namespace.NamespaceService;
import java.util.List;
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

  InvalidationService(
      NamespaceService namespaces,
      InvalidationRepository invalidations,
      ArtifactRetirement retirement) {
    this.namespaces = namespaces;
    this.invalidations = invalidations;
    this.retirement = retirement;
  }

  /** Retires every ready or pending match at once, in one transaction with its audit record. */
  @Transactional
  public Invalidation invalidate(String namespace, Selector selector, String reason) {
    ArtifactFilter filter = selector.toFilter();
    if (filter.isEmpty()) {
      throw new EmptySelectorException();
    }
    namespaces.require(namespace);
    Invalidation invalidation =
        invalidations.saveAndFlush(new Invalidation(namespace, selector, reason));
    invalidation.counted(retirement.retire(namespace, filter, invalidation.id()));
    log.info(
        "invalidation {} retired {} artifacts: {}",
        invalidation.id(),
        invalidation.invalidatedCount(),
        reason);
    return invalidation;
  }

  @Transactional(readOnly = true)
  public List<Invalidation> recent(String namespace, int limit) {
    namespaces.require(namespace);
    return invalidations.findByNamespaceOrderByCreatedAtDesc(namespace, Limit.of(limit));
  }
}
