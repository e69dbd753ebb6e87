package dev.pt2cache.artifact;

/**
 * The object an upload relied on was collected while the upload ran (its blob had been unreferenced
 * past the grace period). Nothing became ready; sending the bytes again succeeds.
 */
public class StorageRaceException extends RuntimeException {

  public StorageRaceException(String sha256) {
    super(
        "the stored copy of content %s was collected during this upload: send the bytes again"
            .formatted(sha256));
  }
}
