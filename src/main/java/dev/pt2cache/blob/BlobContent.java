package dev.pt2cache.blob;

import java.io.InputStream;

/**
 * An open stream of a blob's bytes (all of them, or the requested range). The receiver must close
 * it. {@code objectSize} is the size of the whole stored object, as the store reports it (-1 when
 * it did not say), and {@code version} the version the store gave of it (ETag and Last-Modified):
 * what a download checks against the recorded size, and what names the object it read when its
 * bytes turn out damaged.
 */
public record BlobContent(InputStream stream, long length, long objectSize, String version) {

  /** The same content read through another stream (one that counts or verifies, say). */
  public BlobContent through(InputStream other) {
    return new BlobContent(other, length, objectSize, version);
  }
}
