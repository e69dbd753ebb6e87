package dev.pt2cache.artifact;

import java.util.Locale;

/** The artifact was evicted by a quota or an idle limit and is never served again. */
public class ArtifactEvictedException extends RuntimeException {

  public ArtifactEvictedException(Artifact artifact) {
    super(
        "artifact %s was evicted (%s) at %s and is no longer served"
            .formatted(
                artifact.id(),
                artifact.evictionReason() == null
                    ? "retention"
                    : artifact.evictionReason().name().toLowerCase(Locale.ROOT),
                artifact.evictedAt()));
  }
}
