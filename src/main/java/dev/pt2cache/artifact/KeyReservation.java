package dev.pt2cache.artifact;

import dev.pt2cache.blob.BlobExpectation;
import dev.pt2cache.blob.BlobLocks;
import dev.pt2cache.blob.StoredBlobs;
import dev.pt2cache.descriptor.Descriptor;
import dev.pt2cache.system.AdvisoryLocks;
import dev.pt2cache.system.Caller;
import dev.pt2cache.system.ServiceClock;
import java.util.Optional;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The short transaction that reserves a key for an upload, under the key's advisory lock, as {@link
 * ArtifactWrites}' commit decides under it what the key holds once the bytes are in.
 */
@Component
class KeyReservation {

  private final ArtifactRepository artifacts;
  private final StoredBlobs blobs;
  private final KeyLock keyLock;
  private final UploadProperties properties;
  private final BlobLocks blobLocks;
  private final UploadLeases leases;
  private final RulesInForce rules;
  private final AdvisoryLocks locks;
  private final ServiceClock clock;

  KeyReservation(
      ArtifactRepository artifacts,
      StoredBlobs blobs,
      KeyLock keyLock,
      UploadProperties properties,
      BlobLocks blobLocks,
      UploadLeases leases,
      RulesInForce rules,
      AdvisoryLocks locks,
      ServiceClock clock) {
    this.artifacts = artifacts;
    this.blobs = blobs;
    this.keyLock = keyLock;
    this.properties = properties;
    this.blobLocks = blobLocks;
    this.leases = leases;
    this.rules = rules;
    this.locks = locks;
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
   * @param declaredBy the caller's token, which a new artifact keeps as who uploaded it (ADR 0049);
   *     a holder found under the key keeps its own
   */
  @Transactional
  UploadOutcome reserve(
      String namespace,
      ArtifactKind kind,
      String key,
      Descriptor descriptor,
      BlobExpectation content,
      boolean contentInStore,
      boolean declaration,
      Caller.Token declaredBy) {
    boolean readyAtOnce = declaration && contentInStore;
    if (readyAtOnce) {
      // before the key's lock, in the order a commit takes them
      locks.lockShared(ArtifactPolicy.rulesLock(namespace));
    }
    keyLock.lock(namespace, kind, key);
    // before the holder's row and its rule's record, which readyHolder may lock: the order a
    // commit takes them in (ADR 0029, "Every answer agrees")
    blobLocks.lock(content.sha256());
    Optional<Artifact> holder = rules.readyHolder(namespace, kind, key);
    if (holder.isPresent()) {
      return new UploadOutcome(ArtifactWrites.sameContentOrThrow(holder.get(), content), false);
    }
    Artifact artifact =
        Artifact.pending(
            namespace,
            kind,
            key,
            descriptor,
            content,
            clock.now(),
            properties.reservationTtl(),
            declaredBy);
    if (!declaration) {
      return new UploadOutcome(artifacts.save(artifact), true);
    }
    if (readyAtOnce && storedInNamespace(namespace, content)) {
      rules
          .refusal(artifact)
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

  private boolean storedInNamespace(String namespace, BlobExpectation content) {
    return artifacts.existsByNamespaceAndSha256AndState(
            namespace, content.sha256(), ArtifactState.READY)
        && blobs
            .recordedSize(content.sha256())
            .map(size -> size == content.sizeBytes())
            .orElse(false);
  }
}
