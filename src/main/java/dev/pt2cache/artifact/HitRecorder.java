package dev.pt2cache.artifact;

import java.time.Instant;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/** Keeps last-hit time and hit count, which retention and eviction go by. */
@Component
public class HitRecorder {

  private final ArtifactRepository artifacts;

  HitRecorder(ArtifactRepository artifacts) {
    this.artifacts = artifacts;
  }

  @Transactional
  public void record(Artifact artifact) {
    artifacts.recordHit(artifact.id(), Instant.now());
  }
}
