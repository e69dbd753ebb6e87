package dev.pt2cache.artifact;

/**
 * PENDING while bytes are in flight, READY once stored and verified; INVALIDATED (by an operator or
 * a rule) or EVICTED (by a quota or an idle limit) once retired, and purged after a grace period.
 */
public enum ArtifactState {
  PENDING,
  READY,
  INVALIDATED,
  EVICTED
}
