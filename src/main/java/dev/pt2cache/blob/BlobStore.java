package dev.pt2cache.blob;

import java.io.InputStream;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

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

  /**
   * As {@link #put(BlobExpectation, InputStream)}, for an upload of {@code namespace}: while it
   * writes to the store it takes one of that namespace's share of the uploads an instance writes at
   * once, so that one tenant's slow clients cannot hold them all (docs/adr/0038).
   */
  default void put(BlobExpectation expected, InputStream content, String namespace) {
    put(expected, content);
  }

  /** The blob's bytes, or the given range of them; empty when the object does not exist. */
  Optional<BlobContent> get(String sha256, ByteRange range);

  /**
   * As {@link #get(String, ByteRange)}, for content whose size is known: the store may then serve a
   * small download in a way of its own (read whole, so that slow readers of large ones keep it
   * waiting for nothing).
   */
  default Optional<BlobContent> get(BlobExpectation content, ByteRange range) {
    return get(content.sha256(), range);
  }

  boolean exists(String sha256);

  /**
   * The version of the blob's object (its ETag and Last-Modified, what tells one write of it from
   * another), or empty when there is none.
   */
  Optional<String> version(String sha256);

  void delete(String sha256);

  /**
   * Deletes the objects of these blobs, as many to a store request as the store takes, and answers
   * the digests whose objects are gone. A digest the store declined to delete (an error for its key
   * in the store's answer) is left out of the answer and its object left in place. A store that
   * cannot be asked raises {@link StorageUnavailableException}; any of the objects may be gone
   * then, and deleting them again is harmless. A request the store left unanswered is raised only
   * once the store had as long again to apply it late, so that the caller's locks still hold then
   * (ADR 0030).
   */
  Set<String> deleteAll(Collection<String> sha256s);

  /**
   * Every blob object in the store, ordered by digest, read page by page as the stream is consumed.
   * Objects whose key is not a blob address are left out. A page the store fails to give raises
   * {@link StorageUnavailableException} (or {@link StorageBusyException}) where it is consumed.
   */
  Stream<StoredObject> list();

  /** Aborts the multipart uploads of blobs started before the given time; answers how many. */
  int abortUploadsStartedBefore(Instant before);

  /** Throws {@link StorageUnavailableException} when the store cannot be used. */
  void checkAvailable();

  /**
   * The deployment's marker kept in the store beside the blobs ({@link #MARKER_KEY}), or empty when
   * the store has none.
   */
  Optional<String> readMarker();

  /** Writes the deployment's marker into the store. */
  void writeMarker(String marker);

  /** Where the store keeps the deployment's marker: outside {@link #PREFIX}, so never a blob. */
  String MARKER_KEY = "pt2cache/deployment";

  String PREFIX = "blobs/sha256/";

  static String objectKey(String sha256) {
    return PREFIX + sha256.substring(0, 2) + "/" + sha256;
  }

  /** An object in the store, by the digest its key names, with its size and version. */
  record StoredObject(String sha256, Instant lastModified, long size, String version) {}
}
