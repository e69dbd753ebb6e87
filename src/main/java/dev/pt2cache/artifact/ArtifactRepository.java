package dev.pt2cache.artifact;

import jakarta.persistence.LockModeType;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.JpaSpecificationExecutor;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;

public interface ArtifactRepository
    extends JpaRepository<Artifact, UUID>, JpaSpecificationExecutor<Artifact> {

  Optional<Artifact> findByNamespaceAndKindAndKeyAndState(
      String namespace, ArtifactKind kind, String key, ArtifactState state);

  default Optional<Artifact> findReady(String namespace, ArtifactKind kind, String key) {
    return findByNamespaceAndKindAndKeyAndState(namespace, kind, key, ArtifactState.READY);
  }

  Optional<Artifact> findByIdAndNamespace(UUID id, String namespace);

  /** The artifact, its row locked until the transaction ends. */
  @Lock(LockModeType.PESSIMISTIC_WRITE)
  @Query("select a from Artifact a where a.id = :id")
  Optional<Artifact> findForUpdate(@Param("id") UUID id);

  /** The most recent artifact ever stored under a key, whatever its state. */
  Optional<Artifact> findFirstByNamespaceAndKindAndKeyOrderByCreatedAtDesc(
      String namespace, ArtifactKind kind, String key);

  boolean existsByNamespaceAndSha256AndState(String namespace, String sha256, ArtifactState state);

  /** Ready artifacts of a model, newest first: candidates for "the closest match" of a miss. */
  List<Artifact> findTop20ByNamespaceAndKindAndStateAndColumnsModelNameOrderByCreatedAtDesc(
      String namespace, ArtifactKind kind, ArtifactState state, String modelName);
}
