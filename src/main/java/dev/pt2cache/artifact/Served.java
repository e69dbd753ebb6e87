package dev.pt2cache.artifact;

/**
 * An artifact as a serving read found it, and why a standing rule refuses to serve it, if one does
 * (only ever asked of a ready artifact).
 */
public record Served(Artifact artifact, String refusal) {

  /** Ready, and no rule in force refuses it: the bytes may be served. */
  public boolean servable() {
    return artifact.state() == ArtifactState.READY && refusal == null;
  }

  public boolean refused() {
    return refusal != null;
  }
}
