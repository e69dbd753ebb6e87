package dev.pt2cache.lookup;

import dev.pt2cache.artifact.Artifact;
import dev.pt2cache.descriptor.DescriptorDiff.Difference;
import java.util.List;
import java.util.UUID;

/** A lookup's answer: the key, and either the ready artifact or why there is none. */
public record LookupOutcome(String key, Artifact artifact, Miss miss) {

  public boolean hit() {
    return artifact != null;
  }

  public enum MissReason {
    NOT_FOUND,
    PENDING,
    INVALIDATED,
    EVICTED,
    BLOCKED
  }

  public record Miss(MissReason reason, String detail, Closest closest) {}

  /** The ready artifact of the same model and kind whose descriptor differs least. */
  public record Closest(UUID artifactId, String key, List<Difference> differences) {}
}
