package dev.pt2cache.artifact;

/** The artifact exists but its bytes are still in flight. */
public class ArtifactNotReadyException extends RuntimeException {

  public ArtifactNotReadyException(String message) {
    super(message);
  }
}
