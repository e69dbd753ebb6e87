package dev.pt2cache.invalidation;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;

public interface InvalidationRepository extends JpaRepository<Invalidation, UUID> {

  List<Invalidation> findByNamespaceOrderByCreatedAtDesc(String namespace, Limit limit);

  Optional<Invalidation> findByIdAndNamespace(UUID id, String namespace);
}
