package dev.pt2cache.blob;

import java.io.InputStream;

/**
 * An open stream of a blob's bytes (all of them, or the requested range). The receiver must close
 * it.
 */
public record BlobContent(InputStream stream, long length) {}
