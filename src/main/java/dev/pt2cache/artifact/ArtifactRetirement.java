package dev.pt2cache.artifact;

import jakarta.persistence.EntityManager;
import jakarta.persistence.criteria.CriteriaBuilder;
import jakarta.persistence.criteria.CriteriaUpdate;
import jakarta.persistence.criteria.Root;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.query.criteria.HibernateCriteriaBuilder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/** Retires, in one statement, every ready or pending artifact a filter matches. */
@Component
public class ArtifactRetirement {

  private final EntityManager entityManager;

  ArtifactRetirement(EntityManager entityManager) {
    this.entityManager = entityManager;
  }

  /** Marks the matches INVALIDATED by the given invalidation; answers how many there were. */
  @Transactional(propagation = Propagation.MANDATORY)
  public long retire(String namespace, ArtifactFilter filter, UUID invalidationId) {
    CriteriaBuilder cb = entityManager.getCriteriaBuilder();
    CriteriaUpdate<Artifact> update = cb.createCriteriaUpdate(Artifact.class);
    Root<Artifact> root = update.from(Artifact.class);
    update
        .set(root.<ArtifactState>get("state"), ArtifactState.INVALIDATED)
        // the database's clock, by which purge counts the grace period (ADR 0006)
        .set(root.<Instant>get("invalidatedAt"), ((HibernateCriteriaBuilder) cb).currentInstant())
        .set(root.<UUID>get("invalidationId"), invalidationId)
        .where(
            cb.and(
                filter.toPredicate(namespace, root, cb),
                root.get("state").in(ArtifactState.READY, ArtifactState.PENDING)));
    return entityManager.createQuery(update).executeUpdate();
  }
}
