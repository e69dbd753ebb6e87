package dev.pt2cache.artifact;

/** A ready artifact's object was found missing from the store. */
public record ContentMissingEvent(String sha256, String foundBy) {}
