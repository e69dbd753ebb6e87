package dev.pt2cache.artifact;

/**
 * Metadata says ready, but the store has no object for it, or one that is not its content. Never
 * served; reported.
 */
public class ContentMissingException extends RuntimeException {

  public ContentMissingException(Artifact artifact) {
    super(
        "the content of artifact %s (sha256 %s) is missing from storage"
            .formatted(artifact.id(), artifact.sha256()));
  }

  public ContentMissingException(Artifact artifact, String damage) {
    super(
        "the content of artifact %s (sha256 %s) is damaged in storage (%s); not served"
            .formatted(artifact.id(), artifact.sha256(), damage));
  }
}
