package dev.pt2cache.artifact;

import dev.pt2cache.blob.BlobContent;
import dev.pt2cache.blob.BlobStore;
import dev.pt2cache.blob.ByteRange;
import dev.pt2cache.blob.VerifyingStream;
import dev.pt2cache.namespace.NamespaceService;
import dev.pt2cache.system.LogContext;
import dev.pt2cache.system.PageCursor;
import jakarta.persistence.criteria.Predicate;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.data.domain.Sort;
import org.springframework.data.jpa.domain.Specification;
import org.springframework.stereotype.Service;

/** Reads artifacts: metadata, listings and content. Only READY content is ever served. */
@Service
public class ArtifactReader {

  private static final Logger log = LoggerFactory.getLogger(ArtifactReader.class);
  private static final Sort NEWEST_FIRST = Sort.by(Sort.Direction.DESC, "createdAt", "id");

  private final NamespaceService namespaces;
  private final ArtifactRepository artifacts;
  private final BlobStore store;
  private final HitRecorder hits;
  private final TransferMetrics transfers;
  private final ServingReads serving;
  private final ApplicationEventPublisher events;
  private final ArtifactPolicy policy;

  ArtifactReader(
      NamespaceService namespaces,
      ArtifactRepository artifacts,
      BlobStore store,
      HitRecorder hits,
      TransferMetrics transfers,
      ServingReads serving,
      ApplicationEventPublisher events,
      ArtifactPolicy policy) {
    this.namespaces = namespaces;
    this.artifacts = artifacts;
    this.store = store;
    this.hits = hits;
    this.transfers = transfers;
    this.serving = serving;
    this.events = events;
    this.policy = policy;
  }

  public Artifact get(String namespace, UUID id) {
    namespaces.require(namespace);
    Artifact artifact =
        artifacts.findByIdAndNamespace(id, namespace).orElseThrow(() -> notFound(namespace, id));
    LogContext.artifact(id, artifact.kind().wireName(), artifact.key());
    return asRulesLeaveThem(namespace, List.of(artifact), null).get(0);
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
        asRulesLeaveThem(namespace, PageCursor.page(rows, limit), filter.state()),
        PageCursor.after(rows, limit, last -> new PageCursor<>(last.createdAt(), last.id())));
  }

  /**
   * The artifacts as the blocking rules in force leave them: a ready one a rule matches is retired
   * from the rule's commit on, whether or not its batch has come (ADR 0029, "Every answer agrees"),
   * so it is shown invalidated, and left out of a listing of a state it no longer has. The rules
   * are read once, and only where a ready artifact is there to test.
   */
  private List<Artifact> asRulesLeaveThem(
      String namespace, List<Artifact> read, ArtifactState listed) {
    if (read.stream().noneMatch(a -> a.state() == ArtifactState.READY)) {
      return read;
    }
    Function<ArtifactFilter.Subject, Optional<ArtifactPolicy.Refusing>> rules =
        policy.rulesInForce(namespace);
    List<Artifact> shown = new ArrayList<>(read.size());
    for (Artifact artifact : read) {
      Optional<ArtifactPolicy.Refusing> refusing =
          artifact.state() == ArtifactState.READY
              ? rules.apply(artifact.subject())
              : Optional.empty();
      refusing.ifPresent(artifact::shownRetiredBy);
      if (listed == null || artifact.state() == listed) {
        shown.add(artifact);
      }
    }
    return shown;
  }

  /** The content of an artifact, if it is ready (GET .../artifacts/{id}/content). */
  public Download download(
      String namespace, UUID id, String range, String ifRange, String ifNoneMatch) {
    return open(servable(namespace, id), range, ifRange, ifNoneMatch);
  }

  /** An artifact whose content may be served: ready, not pending nor retired. */
  public Artifact servable(String namespace, UUID id) {
    namespaces.require(namespace);
    Served served = serving.byId(namespace, id).orElseThrow(() -> notFound(namespace, id));
    Artifact artifact = served.artifact();
    LogContext.artifact(id, artifact.kind().wireName(), artifact.key());
    switch (artifact.state()) {
      case PENDING ->
          throw new ArtifactNotReadyException(
              "artifact " + id + " is pending: its bytes have not been received and verified yet");
      case INVALIDATED -> throw retired(artifact);
      case EVICTED -> throw new ArtifactEvictedException(artifact);
      case READY -> {}
    }
    if (served.refused()) {
      throw new ArtifactInvalidatedException(served.refusal());
    }
    return artifact;
  }

  /**
   * The {@code 410 invalidated} of a retired artifact, whose detail says what happened where the
   * service retired it itself: a node whose download was cut because the stored bytes were damaged
   * resumes it and hears that, not that someone invalidated the artifact (docs/adr/0028).
   */
  private ArtifactInvalidatedException retired(Artifact artifact) {
    UUID invalidation = artifact.invalidationId();
    return new ArtifactInvalidatedException(
        Optional.ofNullable(invalidation)
            .flatMap(serving::contentLoss)
            .map(
                loss ->
                    ("artifact %s is no longer served: %s, and the service retired it (invalidation"
                            + " %s); compile and upload it again, which stores the content anew")
                        .formatted(artifact.id(), loss, invalidation))
            .orElse("artifact " + artifact.id() + " was invalidated and is no longer served"));
  }

  /** The ready artifact under a key, counted as a hit (GET .../entries/{kind}/{key}). */
  public Download entry(
      String namespace,
      ArtifactKind kind,
      String key,
      String range,
      String ifRange,
      String ifNoneMatch) {
    Artifact artifact;
    try {
      artifact = readyEntry(namespace, kind, key);
    } catch (ArtifactNotFoundException miss) {
      transfers.entryRead(namespace, kind, false);
      throw miss;
    }
    transfers.entryRead(namespace, kind, true);
    Download download = open(artifact, range, ifRange, ifNoneMatch);
    hits.record(artifact);
    return download;
  }

  /** The ready artifact under a key (HEAD .../entries/{kind}/{key}). */
  public Artifact readyEntry(String namespace, ArtifactKind kind, String key) {
    namespaces.require(namespace);
    LogContext.key(kind.wireName(), key);
    Served served =
        serving
            .readyUnder(namespace, kind, key)
            .orElseThrow(
                () ->
                    new ArtifactNotFoundException(
                        "no ready %s entry under key %s".formatted(kind.wireName(), key)));
    if (served.refused()) {
      throw new ArtifactNotFoundException(served.refusal());
    }
    return served.artifact();
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

  /** Ready artifacts of one model and kind, newest first (at most 20). */
  public List<Artifact> readyOfModel(String namespace, ArtifactKind kind, String modelName) {
    return artifacts.findTop20ByNamespaceAndKindAndStateAndColumnsModelNameOrderByCreatedAtDesc(
        namespace, kind, ArtifactState.READY, modelName);
  }

  private Download open(Artifact artifact, String rangeHeader, String ifRange, String ifNoneMatch) {
    LogContext.artifact(artifact.id(), artifact.kind().wireName(), artifact.key());
    if (ContentRequests.notModified(ifNoneMatch, artifact.sha256())) {
      return new Download(artifact, null, null);
    }
    ByteRange range =
        ContentRequests.sameContent(ifRange, artifact.sha256())
            ? ContentRequests.range(rangeHeader, artifact.sizeBytes())
            : null;
    BlobContent content =
        store
            .get(artifact.content(), range)
            .orElseThrow(
                () -> {
                  // ContentLoss logs the loss at ERROR once it has checked it and retired it
                  log.warn("ready artifact without content in storage, not served");
                  events.publishEvent(new ContentMissingEvent(artifact.sha256(), "download"));
                  return new ContentMissingException(artifact);
                });
    if (content.objectSize() >= 0 && content.objectSize() != artifact.sizeBytes()) {
      closeQuietly(content);
      throw damaged(
          artifact,
          content,
          "its object has %d bytes, not %d".formatted(content.objectSize(), artifact.sizeBytes()));
    }
    // a range of every byte (bytes=0-, bytes=-size) is the whole content, served under a 206
    boolean whole = range == null || range.length() == artifact.sizeBytes();
    InputStream verified =
        whole
            ? new VerifyingStream(
                content.stream(),
                artifact.sha256(),
                artifact.sizeBytes(),
                () -> damaged(artifact, content, "its bytes have another SHA-256"))
            : content.stream(); // a part alone cannot be hashed: only its object's size is checked
    return new Download(
        artifact,
        content.through(transfers.countOut(artifact.namespace(), verified, content.length())),
        range);
  }

  /**
   * Stored bytes that are not the artifact's: reported, so that {@code ContentLoss} retires them
   * (before the response ends), and refused. A response already begun ends short of its length.
   */
  private ContentMissingException damaged(Artifact artifact, BlobContent content, String damage) {
    log.warn("ready artifact whose stored content is damaged, not served: {}", damage);
    events.publishEvent(new ContentDamagedEvent(artifact.sha256(), content.version(), "download"));
    return new ContentMissingException(artifact, damage);
  }

  private static void closeQuietly(BlobContent content) {
    try {
      content.stream().close();
    } catch (IOException e) {
      log.debug("closing a refused download: {}", e.getMessage());
    }
  }

  static ArtifactNotFoundException notFound(String namespace, UUID id) {
    return new ArtifactNotFoundException(
        "artifact %s does not exist in namespace %s".formatted(id, namespace));
  }
}
