package dev.pt2cache.artifact;

import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.TypedQuery;
import jakarta.persistence.criteria.CriteriaBuilder;
import jakarta.persistence.criteria.CriteriaQuery;
import jakarta.persistence.criteria.CriteriaUpdate;
import jakarta.persistence.criteria.Predicate;
import jakarta.persistence.criteria.Root;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.BiFunction;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Retires the ready or pending artifacts a filter matches: every one in one statement, or a batch
 * at a time (a standing rule already in force refuses the rest meanwhile; InvalidationService).
 * Either way the rows are locked first, in id order, as every writer of several artifacts locks
 * them (ADR 0006): an update alone locks them in the order its plan finds them (the model's index,
 * a bitmap's heap order), and with a hit flush or an eviction holding some of them in another
 * order, one of the two was rolled back as a deadlock, an invalidation answered 503.
 */
@Component
public class ArtifactRetirement {

  /** Rows read at a time while the matches of a whole retirement are locked. */
  private static final int LOCK_FETCH = 1000;

  private final EntityManager entityManager;

  ArtifactRetirement(EntityManager entityManager) {
    this.entityManager = entityManager;
  }

  /**
   * Marks the matches INVALIDATED by the given invalidation; answers how many there were. A row
   * that comes to match between the lock and the update (a reservation committed in between) is
   * locked by the update, after the others.
   */
  @Transactional(propagation = Propagation.MANDATORY)
  public long retire(String namespace, ArtifactFilter filter, UUID invalidationId) {
    // streamed, not listed: a retirement of 10^6 matches holds no list of 10^6 ids
    try (var locked =
        lockedInIdOrder((root, cb) -> filter.toPredicate(namespace, root, cb))
            .setHint("org.hibernate.fetchSize", LOCK_FETCH)
            .getResultStream()) {
      locked.forEach(id -> {});
    }
    CriteriaBuilder cb = entityManager.getCriteriaBuilder();
    CriteriaUpdate<Artifact> update = cb.createCriteriaUpdate(Artifact.class);
    Root<Artifact> root = update.from(Artifact.class);
    retiring(update, root, cb, invalidationId)
        .where(cb.and(filter.toPredicate(namespace, root, cb), retirable(root)));
    return entityManager.createQuery(update).executeUpdate();
  }

  /**
   * Marks INVALIDATED, by the given invalidation, at most {@code limit} of the matches whose id
   * comes after {@code after} in PostgreSQL's order of {@code uuid} (all of them when it is null):
   * the first batch passes null, each later one the {@link Batch#last} of the one before. Fewer
   * than {@code limit} found: no match was left past {@code after} when it looked.
   *
   * <p>Each batch goes on where the one before stopped, in id order. A batch that looked from the
   * start again (no order, a limit) could walk past every row the earlier batches had retired,
   * which stay in the heap until vacuum: a sequential scan whose cost rested on where it happened
   * to start, and a retirement of 10^6 matches that slowed to a quarter of its first pace (ADR
   * 0029).
   *
   * <p>Nothing the rule retires is missed for lying below {@code after}. The batches run once the
   * rule is committed, and its transaction took the namespace's rules lock exclusively, so every
   * commit that checked the rules before it had finished: what it made ready was already there when
   * the first batch looked, and each batch took every retirable match up to its last id. From then
   * on no match becomes retirable behind the cursor: a filter reads descriptor columns, which never
   * change, and only a commit (PENDING to READY, ArtifactWrites#commit) or a declaration ready at
   * once (ArtifactWrites#reserve) makes an artifact ready, both under the rules lock (shared) and
   * both refuse what a rule in force matches (ArtifactPolicy). A retired or evicted artifact never
   * becomes retirable again. What a batch may skip is a pending reservation written while the
   * batches ran, with an id below the cursor: it is not ready, serves nothing, and its commit is
   * refused by the rule and drops it (a batch that started from the beginning caught it only when
   * it was written before the last batch; after that it fared the same). Likewise a rule lifted, or
   * expiring, while its batches run stops refusing: what a commit makes ready then behind the
   * cursor stays ready, as it did after the last batch before.
   */
  @Transactional(propagation = Propagation.MANDATORY)
  public Batch retireSome(
      String namespace, ArtifactFilter filter, UUID invalidationId, int limit, UUID after) {
    CriteriaBuilder cb = entityManager.getCriteriaBuilder();
    CriteriaQuery<UUID> select = cb.createQuery(UUID.class);
    Root<Artifact> found = select.from(Artifact.class);
    Predicate matching = cb.and(filter.toPredicate(namespace, found, cb), retirable(found));
    select
        .select(found.<UUID>get("id"))
        .where(
            after == null
                ? matching
                : cb.and(matching, cb.greaterThan(found.<UUID>get("id"), after)))
        // a broad filter walks the primary key from the cursor and stops at the limit; a narrow
        // one reads its own index and sorts its few matches
        .orderBy(cb.asc(found.get("id")));
    List<UUID> ids = entityManager.createQuery(select).setMaxResults(limit).getResultList();
    if (ids.isEmpty()) {
      return new Batch(0, 0, after);
    }
    // found in id order, then locked in id order (ADR 0006)
    lockedInIdOrder((root, builder) -> root.get("id").in(ids)).getResultList();
    CriteriaUpdate<Artifact> update = cb.createCriteriaUpdate(Artifact.class);
    Root<Artifact> root = update.from(Artifact.class);
    // a filter reads descriptor columns, which never change: only the state may have since
    retiring(update, root, cb, invalidationId)
        .where(cb.and(root.get("id").in(ids), retirable(root)));
    return new Batch(
        ids.size(), entityManager.createQuery(update).executeUpdate(), ids.get(ids.size() - 1));
  }

  /**
   * One batch: the matches found, those of them retired (fewer where a concurrent change retired or
   * evicted some first), and the last id it found, after which the next batch looks.
   */
  public record Batch(int found, int retired, UUID last) {}

  /** {@code select id ... order by id for no key update} of the retirable rows that match. */
  private TypedQuery<UUID> lockedInIdOrder(
      BiFunction<Root<Artifact>, CriteriaBuilder, Predicate> matching) {
    CriteriaBuilder cb = entityManager.getCriteriaBuilder();
    CriteriaQuery<UUID> query = cb.createQuery(UUID.class);
    Root<Artifact> root = query.from(Artifact.class);
    query
        .select(root.<UUID>get("id"))
        .where(cb.and(matching.apply(root, cb), retirable(root)))
        .orderBy(cb.asc(root.get("id")));
    return entityManager.createQuery(query).setLockMode(LockModeType.PESSIMISTIC_WRITE);
  }

  private static CriteriaUpdate<Artifact> retiring(
      CriteriaUpdate<Artifact> update, Root<Artifact> root, CriteriaBuilder cb, UUID by) {
    return update
        .set(root.<ArtifactState>get("state"), ArtifactState.INVALIDATED)
        // the database's clock, by which purge counts the grace period (ADR 0006): now(), an
        // instant; Hibernate's currentInstant() is rendered for PostgreSQL as localtimestamp, the
        // session zone's wall time, which names two instants in the hour a DST change repeats
        .set(root.<Instant>get("invalidatedAt"), cb.function("now", Instant.class))
        .set(root.<UUID>get("invalidationId"), by);
  }

  private static Predicate retirable(Root<Artifact> root) {
    return root.get("state").in(ArtifactState.READY, ArtifactState.PENDING);
  }
}
