package dev.pt2cache.artifact;

/** Bytes sent for a pending artifact whose reservation has run out: declare the upload again. */
public class ReservationExpiredException extends RuntimeException {

  public ReservationExpiredException(Artifact artifact) {
    super(
        "the reservation of artifact %s expired at %s: start the upload again"
            .formatted(artifact.id(), artifact.uploadExpiresAt()));
  }
}
