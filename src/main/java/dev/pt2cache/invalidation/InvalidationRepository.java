package dev.pt2cache.invalidation;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;

public interface InvalidationRepository extends JpaRepository<Invalidation, UUID> {

  List<Invalidation> findByNamespaceOrderByCreatedAtDesc(String namespace, Limit limit);

  Optional<Invalidation> findByIdAndNamespace(UUID id, String namespace);

  /** Blocking rules not lifted and not expired at the given time. */
  @Query(
      """
      select i from Invalidation i
       where i.namespace = :namespace and i.blocking = true and i.liftedAt is null
         and (i.expiresAt is null or i.expiresAt > :now)
      """)
  List<Invalidation> findActiveRules(
      @Param("namespace") String namespace, @Param("now") Instant now);
}
