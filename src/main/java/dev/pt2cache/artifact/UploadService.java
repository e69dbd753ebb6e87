package dev.pt2cache.artifact;

import dev.pt2cache.blob.BlobExpectation;
import dev.pt2cache.blob.BlobStore;
import dev.pt2cache.blob.ContentMismatchException;
import dev.pt2cache.blob.StoredBlobs;
import dev.pt2cache.blob.UploadInterruptedException;
import dev.pt2cache.blob.VerifyingReader;
import dev.pt2cache.descriptor.CacheKeys;
import dev.pt2cache.namespace.NamespaceService;
import dev.pt2cache.system.LogContext;
import dev.pt2cache.system.ServiceClock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
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
  private final StoredBlobs blobs;
  private final BlobStore store;
  private final TransferMetrics metrics;
  private final UploadProperties properties;
  private final ArtifactPolicy policy;
  private final ReservationRenewal renewal;
  private final UploadLeases leases;
  private final ServiceClock clock;
  private final Counter deduplicated;
  private final Counter stored;

  UploadService(
      NamespaceService namespaces,
      ArtifactRepository artifacts,
      ArtifactWrites writes,
      StoredBlobs blobs,
      BlobStore store,
      TransferMetrics metrics,
      UploadProperties properties,
      ArtifactPolicy policy,
      ReservationRenewal renewal,
      UploadLeases leases,
      ServiceClock clock,
      MeterRegistry registry) {
    this.namespaces = namespaces;
    this.artifacts = artifacts;
    this.writes = writes;
    this.blobs = blobs;
    this.store = store;
    this.metrics = metrics;
    this.properties = properties;
    this.policy = policy;
    this.renewal = renewal;
    this.leases = leases;
    this.clock = clock;
    this.deduplicated = contentCounter(registry, "deduplicated");
    this.stored = contentCounter(registry, "stored");
  }

  private static Counter contentCounter(MeterRegistry registry, String outcome) {
    return Counter.builder("pt2cache.uploads.content")
        .description(
            "Uploads whose content was already stored (deduplicated) or was stored by them")
        .tag("outcome", outcome)
        .register(registry);
  }

  /** Starts an upload (POST .../artifacts). */
  public UploadOutcome reserve(String namespace, UploadCommand command) {
    return reservation(namespace, command, true);
  }

  /**
   * The entries face's one-request upload: reserves the key and receives the bytes at once. The
   * body is always read and verified against its declared digest, also when the key or the
   * namespace holds that content already: what the caller sent is what the answer vouches for.
   * Whether the store holds the content is asked once, after the reservation, now that the pending
   * artifact protects the copy (a copy collected before the reservation took the digest's lock is
   * then found missing, and the bytes are written after all); a key that holds the content already
   * asks it once too, and stores the bytes where the copy is gone ({@link #verifyOrStoreAgain}).
   */
  public UploadOutcome reserveAndReceive(
      String namespace, UploadCommand command, InputStream body) {
    // no lease and no ready-at-once: the bytes come with the request, to be verified first
    UploadOutcome reservation = reservation(namespace, command, false);
    Artifact pending = reservation.artifact();
    if (pending.state() != ArtifactState.PENDING) {
      // the key's holder has this content already: the body must still be it
      verifyOrStoreAgain(namespace, command.content(), body);
      return reservation;
    }
    try {
      boolean copyStored = inStore(pending.content());
      UploadOutcome received = storeAndCommit(pending, body, copyStored);
      return new UploadOutcome(received.artifact(), received.artifact().id().equals(pending.id()));
    } catch (RuntimeException e) {
      try {
        writes.abandon(pending.id());
      } catch (RuntimeException dropFailed) {
        // the upload's own failure is the answer and the log line (a statement PostgreSQL did not
        // answer, say: the drop then finds no connection either); the row expires as any pending
        // one whose upload died
        e.addSuppressed(dropFailed);
      }
      throw e;
    }
  }

  private UploadOutcome reservation(String namespace, UploadCommand command, boolean declaration) {
    long limit = properties.maxArtifactSize().toBytes();
    BlobExpectation content = command.content();
    namespaces.requireRoomFor(namespace, content.sizeBytes());
    if (content.sizeBytes() > limit) {
      throw new PayloadTooLargeException(content.sizeBytes(), limit);
    }
    String key = keyOf(command);
    LogContext.key(command.kind().wireName(), key);
    policy
        .refusal(
            namespace,
            () ->
                new ArtifactFilter.Subject(
                    null, command.kind(), key, content.sha256(), command.descriptor()))
        .ifPresent(
            refusal -> {
              throw new UploadBlockedException(refusal);
            });
    if (declaration) {
      refuseAtOnceWhileOtherContentHoldsTheLease(namespace, command.kind(), key, content);
    }
    // only a declaration is made ready from a stored copy here, and only where this namespace
    // holds that content ready: the store is asked about nothing else, so that a declaration of
    // content another namespace stores costs what one of content stored nowhere does, and its
    // time tells nobody that another tenant stores it. An upload that brings its bytes asks the
    // store once it is reserved (reserveAndReceive), and not at all when the key holds them
    boolean contentInStore =
        declaration
            && artifacts.existsByNamespaceAndSha256AndState(
                namespace, content.sha256(), ArtifactState.READY)
            && inStore(content);
    UploadOutcome outcome =
        writes.reserve(
            namespace,
            command.kind(),
            key,
            command.descriptor(),
            content,
            contentInStore,
            declaration);
    Artifact artifact = outcome.artifact();
    LogContext.artifact(artifact.id(), artifact.kind().wireName(), artifact.key());
    log.debug("upload reserved: state {}, created {}", artifact.state(), outcome.created());
    return outcome;
  }

  /**
   * A declaration that the lease certainly refuses is answered from one plain read, before the
   * key's lock: a fleet declaring one key at once then neither queues on the lock nor holds a
   * connection while it waits (docs/adr/0019, amendment). Anything less than certain is decided
   * under the lock, which stays the authority.
   */
  private void refuseAtOnceWhileOtherContentHoldsTheLease(
      String namespace, ArtifactKind kind, String key, BlobExpectation content) {
    Optional<UploadLeases.Lease> lease = leases.refusing(namespace, kind, key, content.sha256());
    if (lease.isPresent()) {
      log.debug("upload refused before the key's lock: {} holds the lease", lease.get().sha256());
      throw new UploadInFlightException(lease.get().sha256(), lease.get().left());
    }
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
        // a retry. A blocking rule in force retires the artifact before its batch comes (ADR
        // 0029), so it is answered as a GET of its content is, not as ready; otherwise the answer
        // vouches for the body too, so it must still be the content
        Optional<String> refusal = policy.refusal(artifact.namespace(), artifact::subject);
        if (refusal.isPresent()) {
          throw new ArtifactInvalidatedException(refusal.get());
        }
        verifyOrStoreAgain(artifact.namespace(), artifact.content(), body);
        return new UploadOutcome(artifact, false);
      }
      case INVALIDATED ->
          throw new ArtifactInvalidatedException("artifact " + id + " was invalidated");
      case EVICTED -> throw new ArtifactEvictedException(artifact);
      case PENDING -> {
        if (artifact.uploadExpiresAt().isBefore(clock.now())) {
          throw new ReservationExpiredException(artifact);
        }
      }
    }
    Optional<UploadOutcome> settled = settledAlready(artifact, body);
    if (settled.isPresent()) {
      return settled.get();
    }
    return storeAndCommit(artifact, body, inStore(artifact.content()));
  }

  private UploadOutcome storeAndCommit(Artifact artifact, InputStream body, boolean copyStored) {
    boolean bytesWritten =
        write(
            artifact.namespace(),
            artifact.content(),
            metrics.countIn(artifact.namespace(), renewal.whileReading(artifact, body)),
            copyStored);
    UploadOutcome outcome = writes.commit(artifact, bytesWritten);
    log.info("upload committed: ready artifact {}", outcome.artifact().id());
    return outcome;
  }

  /**
   * When another upload has won the key since this one was reserved, there is nothing to store:
   * other content is a conflict, at once; for the same content the body is verified (not stored),
   * since the answer vouches for it, and the winner's artifact is the answer. Bytes that are not
   * the content leave the reservation pending, as any mismatch does.
   */
  private Optional<UploadOutcome> settledAlready(Artifact pending, InputStream body) {
    Optional<Artifact> holder =
        artifacts.findReady(pending.namespace(), pending.kind(), pending.key());
    if (holder.isEmpty()) {
      return Optional.empty();
    }
    if (!holder.get().sha256().equals(pending.sha256())) {
      writes.abandon(pending.id());
      throw new KeyConflictException(holder.get());
    }
    verifyOrStoreAgain(pending.namespace(), pending.content(), body);
    writes.abandon(pending.id());
    return Optional.of(new UploadOutcome(holder.get(), false));
  }

  /**
   * Stores the verified bytes, or only verifies them against a copy already stored; answers whether
   * they were written.
   */
  private boolean write(
      String namespace, BlobExpectation content, InputStream body, boolean copyStored) {
    try {
      if (copyStored) {
        // stored already (perhaps for another namespace): prove the client has the bytes, keep
        // one copy
        VerifyingReader.verify(body, content);
        deduplicated.increment();
        return false;
      }
      store.put(content, body, namespace);
      stored.increment();
      return true;
    } catch (IOException e) {
      throw new UploadInterruptedException(e);
    } catch (ContentMismatchException e) {
      log.warn("upload rejected: {}", e.getMessage());
      throw e;
    }
  }

  /**
   * Reads a body whose content a ready artifact holds: verified against the stored copy, or, where
   * the store lost that copy (a bucket restored from an older copy, a lifecycle rule, a deletion by
   * hand), verified and stored again, so that the ready artifact the answer vouches for is served
   * instead of retired by the next download (docs/adr/0003, amendment of 2026-12-06). One HEAD; the
   * ready artifact keeps housekeeping off the digest, so no lock is needed to write it.
   */
  private void verifyOrStoreAgain(String namespace, BlobExpectation content, InputStream body) {
    if (store.exists(content.sha256())) {
      verifyOnly(namespace, content, body);
      return;
    }
    log.warn(
        "content {} of a ready artifact was missing from storage: storing it again from this upload",
        content.sha256());
    write(namespace, content, metrics.countIn(namespace, body), false);
  }

  /** Reads a body that is not stored, only checked; its bytes crossed the API all the same. */
  private void verifyOnly(String namespace, BlobExpectation content, InputStream body) {
    try {
      VerifyingReader.verify(metrics.countIn(namespace, body), content);
    } catch (IOException e) {
      throw new UploadInterruptedException(e);
    } catch (ContentMismatchException e) {
      log.warn("upload rejected: {}", e.getMessage());
      throw e;
    }
  }

  /** Whether the store holds this content, as its metadata says and the store confirms. */
  private boolean inStore(BlobExpectation content) {
    return blobs.isRecorded(content.sha256()) && store.exists(content.sha256());
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
