package dev.pt2cache.artifact;

import java.time.Duration;

/**
 * The first upload declared under this key, of other content, holds the key's lease and is still in
 * flight: declaring this one too would most likely end in a conflict once its bytes were sent.
 */
public class UploadInFlightException extends RuntimeException {

  private final long retryAfterSeconds;

  UploadInFlightException(String sha256InFlight, Duration leaseLeft) {
    super(
        ("an upload of other content under this key (sha256 %s) is in flight and holds the key"
                + " for %d s more; if it succeeds, its content holds the key. Ask again after"
                + " that, or skip uploading")
            .formatted(sha256InFlight, leaseLeft.toSeconds()));
    this.retryAfterSeconds = Math.max(1, leaseLeft.toSeconds() + 1);
  }

  /** Until the lease of the upload in flight ends. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
