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
import java.util.Collection;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Retires the ready or pending artifacts a filter matches: every one in one statement, or a batch
 * at a time (a standing rule already in force refuses the rest meanwhile; BlockingRetirement).
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
   * The ids of the retirable matches, streamed in the order the plan reads them (the heap's, for a
   * scan of the table or a bitmap): one read for a whole retirement, held open by the caller's
   * transaction while the batches retire what it yields in transactions of their own (ADR 0029).
   * Batches that each selected their matches again, with a limit and no order, from the start,
   * walked past every row the earlier ones had retired (still in the heap until vacuum), and a
   * retirement of 10^6 matches slowed to a quarter of its first pace.
   *
   * <p>Every match that is or becomes ready while the rule stands is among what this yields. Its
   * statement's snapshot is taken after the rule committed, and the rule's transaction took the
   * namespace's rules lock exclusively, so every commit that checked the rules before it had
   * finished: what they made ready is in the snapshot. From then on only a commit (PENDING to
   * READY, ArtifactWrites#commit) or a declaration ready at once (KeyReservation#reserve) makes an
   * artifact ready, both under the rules lock (shared), and both refuse what a rule in force
   * matches (ArtifactPolicy); a filter reads descriptor columns, which never change, and a retired
   * or evicted artifact never becomes retirable again. A row updated meanwhile (a hit flushed) is
   * read in the version the snapshot holds, and retired by its id. What the read misses is a
   * pending reservation written after it began: not ready, it serves nothing, and its commit is
   * refused by the rule and drops it (batches that looked again caught it only when it came before
   * the last of them; after that it fared the same). A rule lifted or expiring while its batches
   * run stops refusing, and what a commit makes ready then stays ready, as after the last batch
   * before.
   */
  @Transactional(propagation = Propagation.MANDATORY, readOnly = true)
  public Stream<UUID> matches(String namespace, ArtifactFilter filter) {
    CriteriaBuilder cb = entityManager.getCriteriaBuilder();
    CriteriaQuery<UUID> select = cb.createQuery(UUID.class);
    Root<Artifact> found = select.from(Artifact.class);
    select
        .select(found.<UUID>get("id"))
        .where(cb.and(filter.toPredicate(namespace, found, cb), retirable(found)));
    return entityManager
        .createQuery(select)
        .setHint("org.hibernate.fetchSize", LOCK_FETCH)
        .getResultStream();
  }

  /**
   * Marks INVALIDATED, by the given invalidation, those of the given matches that are still ready
   * or pending, locked in id order first; answers how many.
   */
  @Transactional(propagation = Propagation.MANDATORY)
  public int retireSome(Collection<UUID> ids, UUID invalidationId) {
    lockedInIdOrder((root, builder) -> root.get("id").in(ids)).getResultList();
    CriteriaBuilder cb = entityManager.getCriteriaBuilder();
    CriteriaUpdate<Artifact> update = cb.createCriteriaUpdate(Artifact.class);
    Root<Artifact> root = update.from(Artifact.class);
    // a filter reads descriptor columns, which never change: only the state may have since
    retiring(update, root, cb, invalidationId)
        .where(cb.and(root.get("id").in(ids), retirable(root)));
    return entityManager.createQuery(update).executeUpdate();
  }

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
