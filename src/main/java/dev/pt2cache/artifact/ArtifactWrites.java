package dev.pt2cache.artifact;

import dev.pt2cache.blob.BlobExpectation;
import dev.pt2cache.blob.BlobLocks;
import dev.pt2cache.blob.BlobStore;
import dev.pt2cache.blob.ContentMismatchException;
import dev.pt2cache.blob.ContentMismatchException.Mismatch;
import dev.pt2cache.blob.StoredBlobs;
import dev.pt2cache.system.AdvisoryLocks;
import dev.pt2cache.system.LockWait;
import dev.pt2cache.system.ServiceClock;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The short transactions that decide what a key holds once an upload's bytes are in: its commit,
 * and the drop of a reservation no client will retry. Each takes the key's advisory lock, so that
 * concurrent uploads of one key, on any instance, end with exactly one READY artifact: identical
 * content joins the winner, different content is refused. The reservation is {@link
 * KeyReservation}'s.
 */
@Component
class ArtifactWrites {

  private final ArtifactRepository artifacts;
  private final StoredBlobs blobs;
  private final KeyLock keyLock;
  private final BlobStore store;
  private final BlobLocks blobLocks;
  private final RulesInForce rules;
  private final AdvisoryLocks locks;
  private final LockWait lockWait;
  private final ServiceClock clock;

  ArtifactWrites(
      ArtifactRepository artifacts,
      StoredBlobs blobs,
      KeyLock keyLock,
      BlobStore store,
      BlobLocks blobLocks,
      RulesInForce rules,
      AdvisoryLocks locks,
      LockWait lockWait,
      ServiceClock clock) {
    this.artifacts = artifacts;
    this.blobs = blobs;
    this.keyLock = keyLock;
    this.store = store;
    this.blobLocks = blobLocks;
    this.rules = rules;
    this.locks = locks;
    this.lockWait = lockWait;
    this.clock = clock;
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
    Optional<String> refusal = rules.refusal(artifact);
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
   * The key's ready artifact as the blocking rules in force leave it ({@link
   * RulesInForce#readyHolder}), in a transaction of its own where the caller has none (an upload
   * that finds its key won before it streams its bytes), and in the caller's within this class.
   */
  @Transactional
  Optional<Artifact> readyHolder(String namespace, ArtifactKind kind, String key) {
    return rules.readyHolder(namespace, kind, key);
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

  static Artifact sameContentOrThrow(Artifact holder, BlobExpectation content) {
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
