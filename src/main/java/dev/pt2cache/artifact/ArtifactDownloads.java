package dev.pt2cache.artifact;

import dev.pt2cache.blob.BlobContent;
import dev.pt2cache.blob.BlobStore;
import dev.pt2cache.blob.ByteRange;
import dev.pt2cache.blob.VerifyingStream;
import dev.pt2cache.namespace.NamespaceService;
import dev.pt2cache.system.LogContext;
import java.io.IOException;
import java.io.InputStream;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Service;

/**
 * Reads artifacts' content: by id, and an entry's under its key (counted as a hit). Only READY
 * content is ever served, and only its own bytes: a lost or damaged object is reported and refused.
 */
@Service
public class ArtifactDownloads {

  // the lines an operator reads of refused downloads keep the logger they always had
  private static final Logger log = LoggerFactory.getLogger(ArtifactReader.class);

  private final NamespaceService namespaces;
  private final BlobStore store;
  private final HitRecorder hits;
  private final TransferMetrics transfers;
  private final ServingReads serving;
  private final ApplicationEventPublisher events;

  ArtifactDownloads(
      NamespaceService namespaces,
      BlobStore store,
      HitRecorder hits,
      TransferMetrics transfers,
      ServingReads serving,
      ApplicationEventPublisher events) {
    this.namespaces = namespaces;
    this.store = store;
    this.hits = hits;
    this.transfers = transfers;
    this.serving = serving;
    this.events = events;
  }

  /** The content of an artifact, if it is ready (GET .../artifacts/{id}/content). */
  public Download download(
      String namespace, UUID id, String range, String ifRange, String ifNoneMatch) {
    return open(servable(namespace, id), range, ifRange, ifNoneMatch);
  }

  /** An artifact whose content may be served: ready, not pending nor retired. */
  public Artifact servable(String namespace, UUID id) {
    namespaces.require(namespace);
    Served served =
        serving.byId(namespace, id).orElseThrow(() -> ArtifactReader.notFound(namespace, id));
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
    return new ArtifactInvalidatedException(
        serving
            .retiredByService(artifact)
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
}
