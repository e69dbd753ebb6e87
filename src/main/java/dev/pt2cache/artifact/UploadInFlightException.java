package dev.pt2cache.artifact;

import java.time.Duration;

/**
 * Another upload of other content under this key was declared within the lease and is still in
 * flight: declaring this one too would only end in a conflict once its bytes were sent.
 */
public class UploadInFlightException extends RuntimeException {

  private final long retryAfterSeconds;

  UploadInFlightException(Artifact inFlight, Duration leaseLeft) {
    super(
        ("an upload of other content under this key (sha256 %s) was declared at %s and is in"
                + " flight; it will hold the key once verified. Ask again later, or skip uploading")
            .formatted(inFlight.sha256(), inFlight.createdAt()));
    this.retryAfterSeconds = Math.max(1, leaseLeft.toSeconds() + 1);
  }

  /** Until the lease of the upload in flight ends. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
