package dev.pt2cache.blob;

/** What a client declared about content before sending it: its SHA-256 (hex) and size. */
public record BlobExpectation(String sha256, long sizeBytes) {}
