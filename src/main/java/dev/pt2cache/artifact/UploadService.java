package dev.pt2cache.artifact;

import dev.pt2cache.blob.BlobExpectation;
import dev.pt2cache.blob.BlobStore;
import dev.pt2cache.blob.ContentMismatchException;
import dev.pt2cache.blob.StoredBlobRepository;
import dev.pt2cache.blob.UploadInterruptedException;
import dev.pt2cache.blob.VerifyingReader;
import dev.pt2cache.descriptor.CacheKeys;
import dev.pt2cache.namespace.NamespaceService;
import dev.pt2cache.system.LogContext;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * Uploads: reserve a key, stream the bytes to the store while verifying them, then commit. No
 * database transaction is open while bytes stream.
 */
@Service
public class UploadService {

  private static final Logger log = LoggerFactory.getLogger(UploadService.class);

  private final NamespaceService namespaces;
  private final ArtifactRepository artifacts;
  private final ArtifactWrites writes;
  private final StoredBlobRepository blobs;
  private final BlobStore store;
  private final TransferMetrics metrics;
  private final UploadProperties properties;

  UploadService(
      NamespaceService namespaces,
      ArtifactRepository artifacts,
      ArtifactWrites writes,
      StoredBlobRepository blobs,
      BlobStore store,
      TransferMetrics metrics,
      UploadProperties properties) {
    this.namespaces = namespaces;
    this.artifacts = artifacts;
    this.writes = writes;
    this.blobs = blobs;
    this.store = store;
    this.metrics = metrics;
    this.properties = properties;
  }

  /** Starts an upload (POST .../artifacts). */
  public UploadOutcome reserve(String namespace, UploadCommand command) {
    namespaces.require(namespace);
    long limit = properties.maxArtifactSize().toBytes();
    if (command.content().sizeBytes() > limit) {
      throw new PayloadTooLargeException(command.content().sizeBytes(), limit);
    }
    String key = keyOf(command);
    LogContext.key(command.kind().wireName(), key);
    UploadOutcome outcome =
        writes.reserve(namespace, command.kind(), key, command.descriptor(), command.content());
    Artifact artifact = outcome.artifact();
    LogContext.artifact(artifact.id(), artifact.kind().wireName(), artifact.key());
    log.info("upload reserved: state {}, created {}", artifact.state(), outcome.created());
    return outcome;
  }

  /** Receives the bytes of a pending artifact (PUT .../artifacts/{id}/content). */
  public UploadOutcome receive(String namespace, UUID id, InputStream body) {
    namespaces.require(namespace);
    Artifact artifact =
        artifacts
            .findByIdAndNamespace(id, namespace)
            .orElseThrow(() -> ArtifactReader.notFound(namespace, id));
    LogContext.artifact(artifact.id(), artifact.kind().wireName(), artifact.key());
    switch (artifact.state()) {
      case READY -> {
        return new UploadOutcome(artifact, false);
      }
      case INVALIDATED ->
          throw new ArtifactInvalidatedException("artifact " + id + " was invalidated");
      case PENDING -> {
        if (artifact.uploadExpiresAt().isBefore(Instant.now())) {
          throw new ReservationExpiredException(artifact);
        }
      }
    }
    try {
      write(artifact.content(), metrics.countIn(namespace, body));
    } catch (ContentMismatchException e) {
      log.warn("upload rejected: {}", e.getMessage());
      throw e;
    }
    UploadOutcome outcome =
        writes.commit(namespace, artifact.kind(), artifact.key(), artifact.id());
    log.info("upload committed: ready artifact {}", outcome.artifact().id());
    return outcome;
  }

  /** Stores bytes under a key in one request (PUT .../entries/{kind}/{key}). */
  public UploadOutcome putEntry(
      String namespace, ArtifactKind kind, String key, String sha256, long length, InputStream in) {
    if (kind.descriptorAddressed()) {
      throw new InvalidUploadException(
          "entries hold key-addressed kinds only; upload %s through POST /v1/namespaces/%s/artifacts"
              .formatted(kind.wireName(), namespace));
    }
    namespaces.require(namespace);
    if (sha256 != null && length >= 0) {
      return putEntry(namespace, kind, key, new BlobExpectation(sha256, length), in);
    }
    try (SpooledContent spool = SpooledContent.of(in, properties.maxEntrySize().toBytes())) {
      if (sha256 != null && !sha256.equals(spool.expectation().sha256())) {
        throw new ContentMismatchException(
            ContentMismatchException.Mismatch.DIGEST,
            "declared sha256 %s, received content has sha256 %s"
                .formatted(sha256, spool.expectation().sha256()));
      }
      try (InputStream spooled = spool.open()) {
        return putEntry(namespace, kind, key, spool.expectation(), spooled);
      }
    } catch (IOException e) {
      throw new UploadInterruptedException(e);
    }
  }

  private UploadOutcome putEntry(
      String namespace, ArtifactKind kind, String key, BlobExpectation content, InputStream in) {
    UploadOutcome reserved = reserve(namespace, new UploadCommand(kind, null, key, content));
    if (reserved.artifact().state() != ArtifactState.PENDING) {
      return reserved;
    }
    UUID id = reserved.artifact().id();
    try {
      UploadOutcome received = receive(namespace, id, in);
      return new UploadOutcome(received.artifact(), received.artifact().id().equals(id));
    } catch (RuntimeException e) {
      writes.abandon(id);
      throw e;
    }
  }

  private void write(BlobExpectation content, InputStream body) {
    try {
      if (blobs.existsById(content.sha256()) && store.exists(content.sha256())) {
        // stored already (perhaps for another namespace): prove the client has the bytes, keep one
        // copy
        VerifyingReader.verify(body, content);
      } else {
        store.put(content, body);
      }
    } catch (IOException e) {
      throw new UploadInterruptedException(e);
    }
  }

  private static String keyOf(UploadCommand command) {
    ArtifactKind kind = command.kind();
    if (!kind.descriptorAddressed()) {
      if (command.key() == null) {
        throw new InvalidUploadException(
            kind.wireName() + " artifacts are addressed by PyTorch's key: send 'key'");
      }
      return command.key();
    }
    if (command.descriptor() == null) {
      throw new InvalidUploadException(
          kind.wireName() + " artifacts are addressed by their descriptor: send 'descriptor'");
    }
    String derived = CacheKeys.derive(kind.wireName(), command.descriptor());
    if (command.key() != null && !command.key().equals(derived)) {
      throw new KeyMismatchException(command.key(), derived);
    }
    return derived;
  }
}
