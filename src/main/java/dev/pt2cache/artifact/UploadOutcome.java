package dev.pt2cache.artifact;

/** The artifact an upload step ended with, and whether it was created by this step. */
public record UploadOutcome(Artifact artifact, boolean created) {}
