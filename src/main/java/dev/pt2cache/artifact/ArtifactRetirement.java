package dev.pt2cache.artifact;

import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.criteria.CriteriaBuilder;
import jakarta.persistence.criteria.CriteriaQuery;
import jakarta.persistence.criteria.CriteriaUpdate;
import jakarta.persistence.criteria.Predicate;
import jakarta.persistence.criteria.Root;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.query.criteria.HibernateCriteriaBuilder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Retires, in one statement, every ready or pending artifact a filter matches, after locking them
 * in id order.
 */
@Component
public class ArtifactRetirement {

  private final EntityManager entityManager;

  ArtifactRetirement(EntityManager entityManager) {
    this.entityManager = entityManager;
  }

  /**
   * Marks the matches INVALIDATED by the given invalidation; answers how many there were.
   *
   * <p>The matches are locked first, in id order ({@code select ... order by id for no key
   * update}), as every writer of several artifacts locks them (ADR 0006): the update alone locked
   * them in the order its plan found them (the model's index, a bitmap's heap order), and with a
   * hit flush or an eviction holding some of them in another order, one of the two was rolled back
   * as a deadlock, the invalidation answered 503. The update then finds its rows locked already. A
   * row that comes to match between the two statements (a reservation committed in between) is
   * locked by the update, after the others.
   */
  @Transactional(propagation = Propagation.MANDATORY)
  public long retire(String namespace, ArtifactFilter filter, UUID invalidationId) {
    lockMatches(namespace, filter);
    CriteriaBuilder cb = entityManager.getCriteriaBuilder();
    CriteriaUpdate<Artifact> update = cb.createCriteriaUpdate(Artifact.class);
    Root<Artifact> root = update.from(Artifact.class);
    update
        .set(root.<ArtifactState>get("state"), ArtifactState.INVALIDATED)
        // the database's clock, by which purge counts the grace period (ADR 0006)
        .set(root.<Instant>get("invalidatedAt"), ((HibernateCriteriaBuilder) cb).currentInstant())
        .set(root.<UUID>get("invalidationId"), invalidationId)
        .where(cb.and(filter.toPredicate(namespace, root, cb), retirable(root)));
    return entityManager.createQuery(update).executeUpdate();
  }

  private void lockMatches(String namespace, ArtifactFilter filter) {
    CriteriaBuilder cb = entityManager.getCriteriaBuilder();
    CriteriaQuery<UUID> query = cb.createQuery(UUID.class);
    Root<Artifact> root = query.from(Artifact.class);
    query
        .select(root.<UUID>get("id"))
        .where(cb.and(filter.toPredicate(namespace, root, cb), retirable(root)))
        .orderBy(cb.asc(root.get("id")));
    entityManager.createQuery(query).setLockMode(LockModeType.PESSIMISTIC_WRITE).getResultList();
  }

  private static Predicate retirable(Root<Artifact> root) {
    return root.get("state").in(ArtifactState.READY, ArtifactState.PENDING);
  }
}
