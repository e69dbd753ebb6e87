package dev.pt2cache.artifact;

import dev.pt2cache.namespace.NamespaceService;
import dev.pt2cache.system.LogContext;
import dev.pt2cache.system.ServiceClock;
import java.io.InputStream;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * Uploads: reserve a key, stream the bytes to the store while verifying them, then commit. No
 * database transaction is open while bytes stream. This class holds the order of those steps and
 * what each state of the artifact is answered; whether a key may be reserved is {@link
 * UploadReservations}', what is done with the bytes {@link UploadBytes}', and each write to the
 * database {@link ArtifactWrites}' own short transaction.
 */
@Service
public class UploadService {

  /** The upload path's logger, also {@link UploadReservations}' and {@link UploadBytes}'. */
  static final Logger log = LoggerFactory.getLogger(UploadService.class);

  private final NamespaceService namespaces;
  private final ArtifactRepository artifacts;
  private final ArtifactWrites writes;
  private final UploadReservations reservations;
  private final UploadBytes bytes;
  private final TransferMetrics metrics;
  private final ArtifactPolicy policy;
  private final ReservationRenewal renewal;
  private final ServiceClock clock;

  UploadService(
      NamespaceService namespaces,
      ArtifactRepository artifacts,
      ArtifactWrites writes,
      UploadReservations reservations,
      UploadBytes bytes,
      TransferMetrics metrics,
      ArtifactPolicy policy,
      ReservationRenewal renewal,
      ServiceClock clock) {
    this.namespaces = namespaces;
    this.artifacts = artifacts;
    this.writes = writes;
    this.reservations = reservations;
    this.bytes = bytes;
    this.metrics = metrics;
    this.policy = policy;
    this.renewal = renewal;
    this.clock = clock;
  }

  /** Starts an upload (POST .../artifacts). */
  public UploadOutcome reserve(String namespace, UploadCommand command) {
    return reservations.reserve(namespace, command, true);
  }

  /**
   * The entries face's one-request upload: reserves the key and receives the bytes at once. The
   * body is always read and verified against its declared digest, also when the key or the
   * namespace holds that content already: what the caller sent is what the answer vouches for.
   * Whether the store holds the content is asked once, after the reservation, now that the pending
   * artifact protects the copy (a copy collected before the reservation took the digest's lock is
   * then found missing, and the bytes are written after all); a key that holds the content already
   * asks it once too, and stores the bytes where the copy is gone ({@link
   * UploadBytes#verifyOrStoreAgain}).
   */
  public UploadOutcome reserveAndReceive(
      String namespace, UploadCommand command, InputStream body) {
    // no lease and no ready-at-once: the bytes come with the request, to be verified first
    UploadOutcome reservation = reservations.reserve(namespace, command, false);
    Artifact pending = reservation.artifact();
    if (pending.state() != ArtifactState.PENDING) {
      // the key's holder has this content already: the body must still be it
      bytes.verifyOrStoreAgain(namespace, command.content(), body);
      return reservation;
    }
    try {
      boolean copyStored = bytes.inStore(pending.content());
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
        bytes.verifyOrStoreAgain(artifact.namespace(), artifact.content(), body);
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
    return storeAndCommit(artifact, body, bytes.inStore(artifact.content()));
  }

  /** Bytes first, metadata second (docs/adr/0003): the commit runs only once the bytes are in. */
  private UploadOutcome storeAndCommit(Artifact artifact, InputStream body, boolean copyStored) {
    boolean bytesWritten =
        bytes.write(
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
        writes.readyHolder(pending.namespace(), pending.kind(), pending.key());
    if (holder.isEmpty()) {
      return Optional.empty();
    }
    if (!holder.get().sha256().equals(pending.sha256())) {
      writes.abandon(pending.id());
      throw new KeyConflictException(holder.get());
    }
    bytes.verifyOrStoreAgain(pending.namespace(), pending.content(), body);
    writes.abandon(pending.id());
    return Optional.of(new UploadOutcome(holder.get(), false));
  }
}
