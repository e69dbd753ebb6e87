package dev.pt2cache.artifact;

/** No artifact (or no entry) answers to what was asked in this namespace. */
public class ArtifactNotFoundException extends RuntimeException {

  public ArtifactNotFoundException(String message) {
    super(message);
  }
}
