package dev.pt2cache.artifact;

import dev.pt2cache.namespace.NamespaceService;
import dev.pt2cache.system.LogContext;
import dev.pt2cache.system.PageCursor;
import jakarta.persistence.criteria.Predicate;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.domain.Sort;
import org.springframework.data.jpa.domain.Specification;
import org.springframework.stereotype.Service;

/**
 * Reads artifacts' metadata: one artifact, listings, and what a lookup asks of a key. Each is shown
 * as the blocking rules in force leave it ({@link RulesInForce}). Content is read by {@link
 * ArtifactDownloads}.
 */
@Service
public class ArtifactReader {

  private static final Sort NEWEST_FIRST = Sort.by(Sort.Direction.DESC, "createdAt", "id");

  private final NamespaceService namespaces;
  private final ArtifactRepository artifacts;
  private final ServingReads serving;
  private final RulesInForce rules;

  ArtifactReader(
      NamespaceService namespaces,
      ArtifactRepository artifacts,
      ServingReads serving,
      RulesInForce rules) {
    this.namespaces = namespaces;
    this.artifacts = artifacts;
    this.serving = serving;
    this.rules = rules;
  }

  public Artifact get(String namespace, UUID id) {
    namespaces.require(namespace);
    Artifact artifact =
        artifacts.findByIdAndNamespace(id, namespace).orElseThrow(() -> notFound(namespace, id));
    LogContext.artifact(id, artifact.kind().wireName(), artifact.key());
    return rules.asRulesLeaveThem(namespace, List.of(artifact), null).get(0);
  }

  /**
   * One page of the artifacts a filter matches, newest first; only those some node reported, when
   * {@code reportedOnly}.
   */
  public ArtifactPage list(
      String namespace, ArtifactFilter filter, boolean reportedOnly, int limit, String cursor) {
    namespaces.require(namespace);
    PageCursor<UUID> after = cursor == null ? null : PageCursor.decode(cursor, UUID::fromString);
    Specification<Artifact> spec =
        (root, query, cb) -> {
          Predicate matches = filter.toPredicate(namespace, root, cb);
          if (reportedOnly) {
            matches = cb.and(matches, cb.greaterThan(root.<Integer>get("reportCount"), 0));
          }
          if (after == null) {
            return matches;
          }
          return cb.and(
              matches,
              // redundant, but a bound PostgreSQL can seek to in artifact_by_created: without it,
              // the OR below is a filter, and a page deep in a listing read every row before it
              cb.lessThanOrEqualTo(root.get("createdAt"), after.at()),
              cb.or(
                  cb.lessThan(root.get("createdAt"), after.at()),
                  cb.and(
                      cb.equal(root.get("createdAt"), after.at()),
                      cb.lessThan(root.get("id"), after.id()))));
        };
    List<Artifact> rows =
        artifacts.findBy(spec, q -> q.sortBy(NEWEST_FIRST).limit(limit + 1).all());
    return new ArtifactPage(
        rules.asRulesLeaveThem(namespace, PageCursor.page(rows, limit), filter.state()),
        PageCursor.after(rows, limit, last -> new PageCursor<>(last.createdAt(), last.id())));
  }

  /**
   * The ready artifact under a key, with the refusal of a standing rule in force if one matches it,
   * in one read: what a lookup serves.
   */
  public Optional<Served> readyUnder(String namespace, ArtifactKind kind, String key) {
    return serving.readyUnder(namespace, kind, key);
  }

  /** The most recent artifact ever stored under a key, whatever its state. */
  public Optional<Artifact> latestUnder(String namespace, ArtifactKind kind, String key) {
    return artifacts.findFirstByNamespaceAndKindAndKeyOrderByCreatedAtDesc(namespace, kind, key);
  }

  /**
   * Why the service itself retired an invalidated artifact (its content found missing or damaged in
   * storage, docs/adr/0028), as a download's {@code 410} says it; empty where a caller invalidated
   * it. Reads the invalidation: for a miss's answer only.
   */
  public Optional<String> retiredByService(Artifact artifact) {
    return serving.retiredByService(artifact);
  }

  /** Ready artifacts of one model and kind, newest first (at most 20). */
  public List<Artifact> readyOfModel(String namespace, ArtifactKind kind, String modelName) {
    return artifacts.findTop20ByNamespaceAndKindAndStateAndColumnsModelNameOrderByCreatedAtDesc(
        namespace, kind, ArtifactState.READY, modelName);
  }

  static ArtifactNotFoundException notFound(String namespace, UUID id) {
    return new ArtifactNotFoundException(
        "artifact %s does not exist in namespace %s".formatted(id, namespace));
  }
}
