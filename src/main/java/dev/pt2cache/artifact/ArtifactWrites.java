package dev.pt2cache.artifact;

import dev.pt2cache.blob.BlobExpectation;
import dev.pt2cache.blob.BlobLocks;
import dev.pt2cache.blob.BlobStore;
import dev.pt2cache.blob.ContentMismatchException;
import dev.pt2cache.blob.ContentMismatchException.Mismatch;
import dev.pt2cache.blob.StoredBlobs;
import dev.pt2cache.descriptor.Descriptor;
import dev.pt2cache.system.AdvisoryLocks;
import dev.pt2cache.system.LockWait;
import dev.pt2cache.system.ServiceClock;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The short transactions that decide what a key holds. Each takes the key's advisory lock, so that
 * concurrent uploads of one key, on any instance, end with exactly one READY artifact: identical
 * content joins the winner, different content is refused.
 */
@Component
class ArtifactWrites {

  private final ArtifactRepository artifacts;
  private final StoredBlobs blobs;
  private final KeyLock keyLock;
  private final UploadProperties properties;
  private final BlobStore store;
  private final BlobLocks blobLocks;
  private final UploadLeases leases;
  private final ArtifactPolicy policy;
  private final AdvisoryLocks locks;
  private final LockWait lockWait;
  private final ServiceClock clock;

  ArtifactWrites(
      ArtifactRepository artifacts,
      StoredBlobs blobs,
      KeyLock keyLock,
      UploadProperties properties,
      BlobStore store,
      BlobLocks blobLocks,
      UploadLeases leases,
      ArtifactPolicy policy,
      AdvisoryLocks locks,
      LockWait lockWait,
      ServiceClock clock) {
    this.artifacts = artifacts;
    this.blobs = blobs;
    this.keyLock = keyLock;
    this.properties = properties;
    this.store = store;
    this.blobLocks = blobLocks;
    this.leases = leases;
    this.policy = policy;
    this.locks = locks;
    this.lockWait = lockWait;
    this.clock = clock;
  }

  /**
   * Reserves a key for an upload: the ready holder when it holds this content already; for a
   * declaration, a new ready artifact when this namespace already stores the content (and the store
   * still has it); a new pending one otherwise.
   *
   * <p>The new artifact is written under the content's blob lock, which housekeeping holds while it
   * decides on and deletes an object. So a deletion either ends before this reservation exists, and
   * the bytes sent after it are not touched, or it sees the artifact and leaves the object alone
   * (ADR 0011). An artifact made ready here is checked against the blocking rules under the rules
   * lock, as a commit is (ArtifactPolicy#rulesLock).
   *
   * @param declaration whether the bytes come later, in a request of their own (POST
   *     .../artifacts). Only a declaration is made ready from a stored copy here, and only it is
   *     subject to the lease. An upload that brings its bytes (an entry PUT) is reserved pending
   *     and made ready once they verified, so a body that is not what its digest says is refused,
   *     never stored under a new key.
   */
  @Transactional
  UploadOutcome reserve(
      String namespace,
      ArtifactKind kind,
      String key,
      Descriptor descriptor,
      BlobExpectation content,
      boolean contentInStore,
      boolean declaration) {
    boolean readyAtOnce = declaration && contentInStore;
    if (readyAtOnce) {
      // before the key's lock, in the order a commit takes them
      locks.lockShared(ArtifactPolicy.rulesLock(namespace));
    }
    keyLock.lock(namespace, kind, key);
    // before the holder's row and its rule's record, which readyHolder may lock: the order a
    // commit takes them in (ADR 0029, "Every answer agrees")
    blobLocks.lock(content.sha256());
    Optional<Artifact> holder = readyHolder(namespace, kind, key);
    if (holder.isPresent()) {
      return new UploadOutcome(sameContentOrThrow(holder.get(), content), false);
    }
    Artifact artifact =
        Artifact.pending(
            namespace, kind, key, descriptor, content, clock.now(), properties.reservationTtl());
    if (!declaration) {
      return new UploadOutcome(artifacts.save(artifact), true);
    }
    if (readyAtOnce && storedInNamespace(namespace, content)) {
      refusal(artifact)
          .ifPresent(
              why -> {
                throw new UploadBlockedException(why);
              });
      blobs.recordStored(content.sha256(), content.sizeBytes());
      artifact.markReady(clock.now());
    } else {
      refuseWhileOtherContentHoldsTheLease(namespace, kind, key, content);
    }
    return new UploadOutcome(artifacts.save(artifact), true);
  }

  /**
   * Under the key's lock: the first upload declared under the key holds a lease on it, and this one
   * has other content, so it would only be refused when it commits, after sending all its bytes
   * (docs/adr/0019). The lease holder's content is never refused.
   */
  private void refuseWhileOtherContentHoldsTheLease(
      String namespace, ArtifactKind kind, String key, BlobExpectation content) {
    leases
        .holder(namespace, kind, key)
        .filter(lease -> !lease.sha256().equals(content.sha256()))
        .ifPresent(
            lease -> {
              throw new UploadInFlightException(lease.sha256(), lease.left());
            });
  }

  /**
   * Makes a pending artifact (as read before its bytes streamed) ready once its bytes are stored
   * and verified, unless another artifact won the key meanwhile (then this one is dropped and the
   * winner answered, or a conflict raised) or an invalidation retired it. The artifact's row is
   * locked before anything is decided, so an invalidation running now either waits and then retires
   * the ready artifact, or has already retired the pending one.
   *
   * @param bytesWritten whether this upload wrote the object itself after its reservation. Then the
   *     object cannot have been deleted since: housekeeping deletes only objects that no artifact
   *     references, and this one's pending artifact has referenced it since before the bytes were
   *     sent (ADR 0011). An upload verified against a copy already stored asks the store whether
   *     the copy is still there.
   */
  @Transactional(
      noRollbackFor = {
        KeyConflictException.class,
        ArtifactInvalidatedException.class,
        ReservationExpiredException.class,
        ArtifactNotFoundException.class,
        UploadBlockedException.class
      })
  UploadOutcome commit(Artifact pending, boolean bytesWritten) {
    String namespace = pending.namespace();
    ArtifactKind kind = pending.kind();
    String key = pending.key();
    UUID id = pending.id();
    // first, before the artifact's row, which a blocking invalidation waits for while it holds this
    locks.lockShared(ArtifactPolicy.rulesLock(namespace));
    keyLock.lock(namespace, kind, key);
    // the digest's lock before the artifact's row, the order in which ContentLoss takes them
    blobLocks.lock(pending.sha256());
    Optional<Artifact> row = artifacts.findForUpdate(id);
    if (row.isEmpty()) {
      return gone(pending, bytesWritten);
    }
    Artifact artifact = row.get();
    // The bytes are in the store: record them, so that housekeeping collects them once nothing
    // references them, whatever happens next. Housekeeping cannot collect the object until this
    // commits. An upload that relied on a stored copy checks that the copy is still there: it may
    // have gone before this upload's reservation existed.
    blobs.recordStored(artifact.sha256(), artifact.sizeBytes());
    if (!bytesWritten && !store.exists(artifact.sha256())) {
      throw new StorageRaceException(artifact.sha256());
    }
    switch (artifact.state()) {
      case READY -> {
        return new UploadOutcome(artifact, false);
      }
      case INVALIDATED, EVICTED ->
          throw new ArtifactInvalidatedException(
              "artifact " + id + " was invalidated during its upload");
      case PENDING -> {}
    }
    // checked at the reservation too, but a rule made while that reservation was being written
    // did not see it to retire it
    Optional<String> refusal = refusal(artifact);
    if (refusal.isPresent()) {
      artifacts.delete(artifact);
      throw new UploadBlockedException(refusal.get());
    }
    Optional<Artifact> holder = readyHolder(namespace, kind, key);
    if (holder.isPresent()) {
      artifacts.delete(artifact);
      return new UploadOutcome(sameContentOrThrow(holder.get(), artifact.content()), false);
    }
    artifact.markReady(clock.now());
    return new UploadOutcome(artifact, true);
  }

  /**
   * The pending artifact's row went while its bytes streamed: another upload to the same URL found
   * the key won by a third and dropped it, a failed one abandoned it, or purge dropped it once its
   * reservation had expired. Bytes this upload wrote are recorded (housekeeping collects them if
   * nothing takes them); bytes only checked against a stored copy are not, for that copy may have
   * gone since, and a record of it would be reported as content lost. The answer is the key's
   * winner when there is one.
   */
  private UploadOutcome gone(Artifact pending, boolean bytesWritten) {
    if (bytesWritten) {
      blobs.recordStored(pending.sha256(), pending.sizeBytes());
    }
    Optional<Artifact> holder = readyHolder(pending.namespace(), pending.kind(), pending.key());
    if (holder.isPresent()) {
      return new UploadOutcome(sameContentOrThrow(holder.get(), pending.content()), false);
    }
    if (pending.uploadExpiresAt().isBefore(clock.now())) {
      throw new ReservationExpiredException(pending);
    }
    throw new ArtifactNotFoundException(
        "artifact %s is gone: its upload failed or was superseded; declare the upload again"
            .formatted(pending.id()));
  }

  /**
   * The key's ready artifact, unless a blocking rule in force matches it: that one is retired now,
   * as the rule's batch will retire it (ADR 0029, "Every answer agrees"), and the key holds
   * nothing. Otherwise an upload of the same bytes was answered "the key holds them" (and one of
   * other bytes 409) with an artifact that GET refuses, until its batch came. Retiring a match is
   * right whoever asks; the reservation and the commit ask under the key's lock, so that no upload
   * makes another artifact ready under the key meanwhile.
   */
  @Transactional
  Optional<Artifact> readyHolder(String namespace, ArtifactKind kind, String key) {
    return artifacts.findReady(namespace, kind, key).filter(ready -> !policy.retiredByRule(ready));
  }

  /**
   * Why a standing rule refuses the artifact, asked again where it is made ready: a rule made since
   * the upload was first checked did not see its reservation to retire it. The caller holds the
   * rules lock (shared), so no rule is being made meanwhile.
   */
  private Optional<String> refusal(Artifact artifact) {
    return policy.refusal(artifact.namespace(), artifact::subject);
  }

  /**
   * Drops a pending artifact whose upload failed or lost, and that no client will retry. Its row is
   * read under its lock: a commit of the same reservation that made it ready meanwhile has then
   * ended, and the ready artifact is kept.
   */
  @Transactional
  void abandon(UUID id) {
    lockWait.bound();
    artifacts
        .findForUpdate(id)
        .filter(a -> a.state() == ArtifactState.PENDING)
        .ifPresent(artifacts::delete);
  }

  private boolean storedInNamespace(String namespace, BlobExpectation content) {
    return artifacts.existsByNamespaceAndSha256AndState(
            namespace, content.sha256(), ArtifactState.READY)
        && blobs
            .recordedSize(content.sha256())
            .map(size -> size == content.sizeBytes())
            .orElse(false);
  }

  private static Artifact sameContentOrThrow(Artifact holder, BlobExpectation content) {
    if (!holder.sha256().equals(content.sha256())) {
      throw new KeyConflictException(holder);
    }
    if (holder.sizeBytes() != content.sizeBytes()) {
      throw new ContentMismatchException(
          Mismatch.SIZE,
          "content with sha256 %s has %d bytes, not %d"
              .formatted(holder.sha256(), holder.sizeBytes(), content.sizeBytes()));
    }
    return holder;
  }
}
