package dev.pt2cache.invalidation;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;

public interface InvalidationRepository extends JpaRepository<Invalidation, UUID> {

  /** The first page of a namespace's invalidations, newest first. */
  List<Invalidation> findByNamespaceOrderByCreatedAtDescIdDesc(String namespace, Limit limit);

  /**
   * A later page: those after a position in the same order. The bound {@code createdAt <= :at} is
   * redundant, but PostgreSQL seeks to it in invalidation_by_namespace; without it, the OR is a
   * filter and a page deep in the trail reads every row before it.
   */
  @Query(
      """
      select i from Invalidation i
       where i.namespace = :namespace and i.createdAt <= :at
         and (i.createdAt < :at or (i.createdAt = :at and i.id < :id))
       order by i.createdAt desc, i.id desc
      """)
  List<Invalidation> findPageAfter(
      @Param("namespace") String namespace,
      @Param("at") Instant at,
      @Param("id") UUID id,
      Limit limit);

  Optional<Invalidation> findByIdAndNamespace(UUID id, String namespace);

  /** The invalidation a request with this Idempotency-Key recorded in the namespace, if any. */
  Optional<Invalidation> findByNamespaceAndIdempotencyKey(String namespace, String idempotencyKey);

  /**
   * Adds a batch's retirements to an invalidation's count, in the batch's transaction: the audit
   * record never claims more or fewer than are committed. It leaves the caller's persistence
   * context as it was: an upload's commit counts a retirement there (BlockingRules#retiredByRule)
   * and then makes its own artifact ready, which a cleared context would not write (ADR 0029).
   */
  @Modifying(flushAutomatically = true)
  @Query(
      value = "update invalidation set invalidated_count = invalidated_count + :n where id = :id",
      nativeQuery = true)
  void countRetired(@Param("id") UUID id, @Param("n") long n);
}
