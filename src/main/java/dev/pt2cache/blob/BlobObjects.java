package dev.pt2cache.blob;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;

/**
 * A blob's object as the store's requests name it and its answers describe it: the {@code
 * GetObject} that large downloads ({@link S3BlobStore}) and small ones ({@link SmallReads}) both
 * send, the whole object's size that a ranged answer gives, and the version that a {@code HEAD}, a
 * {@code GET} and a listing must give one object alike.
 */
final class BlobObjects {

  private BlobObjects() {}

  /** A {@code GetObject} of a blob's object, or of the range of it. */
  static GetObjectRequest.Builder get(
      GetObjectRequest.Builder b, String bucket, String sha256, ByteRange range) {
    b.bucket(bucket).key(BlobStore.objectKey(sha256));
    return range == null ? b : b.range("bytes=" + range.first() + "-" + range.last());
  }

  /** The whole object's size from a range's {@code Content-Range} ({@code bytes 0-9/1000}). */
  static long objectSize(String contentRange) {
    int slash = contentRange == null ? -1 : contentRange.lastIndexOf('/');
    try {
      return slash < 0 ? -1 : Long.parseLong(contentRange.substring(slash + 1).strip());
    } catch (NumberFormatException e) {
      return -1; // "*": the store did not say
    }
  }

  /**
   * What tells one write of an object from another: its ETag and its Last-Modified (to the second,
   * as HTTP dates give it; a listing gives milliseconds). The ETag alone does not: damage under the
   * store keeps the ETag recorded at upload, the MD5 of the right bytes, which is also the ETag of
   * those bytes stored again.
   *
   * <p>The ETag is taken without its quotes (and without {@code W/}): a listing and a {@code HEAD}
   * must give one object one version, and some S3-compatible stores leave the quotes out of the
   * ETags of a listing while their headers carry them. Reconciliation compares the two before it
   * retires damaged content, and would otherwise take every damaged object for one stored again.
   */
  static String version(String eTag, Instant lastModified) {
    return opaque(eTag)
        + "@"
        + (lastModified == null ? null : lastModified.truncatedTo(ChronoUnit.SECONDS));
  }

  /** An entity tag's opaque part: {@code W/"abc"}, {@code "abc"} and {@code abc} are all abc. */
  private static String opaque(String eTag) {
    if (eTag == null) {
      return null;
    }
    String tag = eTag.strip();
    if (tag.startsWith("W/")) {
      tag = tag.substring(2);
    }
    if (tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"")) {
      tag = tag.substring(1, tag.length() - 1);
    }
    return tag;
  }
}
