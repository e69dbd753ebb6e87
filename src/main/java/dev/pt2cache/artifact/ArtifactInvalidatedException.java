package dev.pt2cache.artifact;

/** The artifact was retired by an invalidation and is never served again. */
public class ArtifactInvalidatedException extends RuntimeException {

  public ArtifactInvalidatedException(String message) {
    super(message);
  }
}
