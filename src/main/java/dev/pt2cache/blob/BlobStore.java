package dev.pt2cache.blob;

import java.io.InputStream;
import java.util.Optional;

/**
 * Content-addressed, immutable byte storage. Objects live under {@code blobs/sha256/<2>/<digest>}.
 * The rest of the service sees only this interface; a miss is an empty result, not an exception.
 */
public interface BlobStore {

  /**
   * Streams exactly {@code expected.sizeBytes()} bytes to the object for {@code expected.sha256()},
   * verifying digest and size on the way. The object becomes visible only when both match;
   * otherwise {@link ContentMismatchException} and nothing is left behind.
   */
  void put(BlobExpectation expected, InputStream content);

  /** The blob's bytes, or the given range of them; empty when the object does not exist. */
  Optional<BlobContent> get(String sha256, ByteRange range);

  boolean exists(String sha256);

  void delete(String sha256);

  /** Throws {@link StorageUnavailableException} when the store cannot be used. */
  void checkAvailable();

  static String objectKey(String sha256) {
    return "blobs/sha256/" + sha256.substring(0, 2) + "/" + sha256;
  }
}
