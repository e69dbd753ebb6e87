package dev.pt2cache.invalidation;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;

public interface InvalidationRepository extends JpaRepository<Invalidation, UUID> {

  List<Invalidation> findByNamespaceOrderByCreatedAtDesc(String namespace, Limit limit);

  Optional<Invalidation> findByIdAndNamespace(UUID id, String namespace);

  /**
   * Adds a batch's retirements to an invalidation's count, in the batch's transaction: the audit
   * record never claims more or fewer than are committed.
   */
  @Modifying(flushAutomatically = true, clearAutomatically = true)
  @Query(
      value = "update invalidation set invalidated_count = invalidated_count + :n where id = :id",
      nativeQuery = true)
  void countRetired(@Param("id") UUID id, @Param("n") long n);
}
