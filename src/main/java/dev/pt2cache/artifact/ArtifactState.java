package dev.pt2cache.artifact;

/** PENDING while bytes are in flight, READY once stored and verified, INVALIDATED once retired. */
public enum ArtifactState {
  PENDING,
  READY,
  INVALIDATED
}
