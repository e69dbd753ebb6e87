package dev.pt2cache.artifact;

/** The key already holds different ready content: first writer wins. */
public class KeyConflictException extends RuntimeException {

  public KeyConflictException(Artifact holder) {
    super(
        "%s key %s already holds other content (sha256 %s, artifact %s)"
            .formatted(holder.kind().wireName(), holder.key(), holder.sha256(), holder.id()));
  }
}
