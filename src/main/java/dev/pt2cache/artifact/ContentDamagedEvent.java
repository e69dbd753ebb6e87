package dev.pt2cache.artifact;

/**
 * A ready artifact's object was read and found not to be its content (another size, or bytes whose
 * SHA-256 is not the recorded one); {@code version} names the object read (its ETag and
 * Last-Modified).
 */
public record ContentDamagedEvent(String sha256, String version, String foundBy) {}
