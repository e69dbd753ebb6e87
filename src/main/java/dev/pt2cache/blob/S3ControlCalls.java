package dev.pt2cache.blob;

import static dev.pt2cache.blob.BlobStore.MARKER_KEY;
import static dev.pt2cache.blob.BlobStore.PREFIX;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The small requests of {@link S3BlobStore} that move no blob's bytes: an object's head, the
 * deployment marker, the bucket's check and creation, the listing of abandoned multipart uploads.
 * Kept apart from the byte paths (streamed downloads, uploads through {@link S3BlobWriter}) because
 * they share none of their concerns: no permit ({@link StorePermits}), no heap held, the control
 * client's pool and {@code control-timeout} ({@link StoreClients}); the bucket's check has a pool
 * of its own. What a failure means is {@link StoreFailures}'s; deletes and the blobs' listing have
 * classes of their own ({@link S3Deletes}, {@link S3Listing}).
 */
final class S3ControlCalls {

  /** The requests of {@link #createBucketIfMissing}, as its failures name them. */
  static final String CHECKING_BUCKET = "checking bucket ";

  static final String CREATING_BUCKET = "creating bucket ";

  private static final String SETTING = " (PT2CACHE_S3_CREATE_BUCKET=true)";

  /** The store's logger still: operators find the bucket's creation where they found it before. */
  private static final Logger log = LoggerFactory.getLogger(S3BlobStore.class);

  private final S3Client control;
  private final S3Client health;
  private final String bucket;
  private final S3BlobWriter writer;

  /**
   * {@code health} sends the bucket's check alone ({@link StoreClients#health}); {@code writer}
   * aborts the uploads that {@link #abortUploadsStartedBefore} lists.
   */
  S3ControlCalls(StoreClients clients, String bucket, S3BlobWriter writer) {
    this.control = clients.control();
    this.health = clients.health();
    this.bucket = bucket;
    this.writer = writer;
  }

  /** As {@link BlobStore#version}: one {@code HEAD} of the object. */
  Optional<String> version(String sha256) {
    try {
      HeadObjectResponse head =
          control.headObject(b -> b.bucket(bucket).key(BlobStore.objectKey(sha256)));
      return Optional.of(BlobObjects.version(head.eTag(), head.lastModified()));
    } catch (SdkException e) {
      if (StoreFailures.notFound(e)) {
        return Optional.empty();
      }
      throw StoreFailures.of("checking blob " + sha256, e);
    }
  }

  /**
   * As {@link BlobStore#abortUploadsStartedBefore}; the store's refusal is told from its failure.
   */
  int abortUploadsStartedBefore(Instant before) {
    int aborted = 0;
    try {
      for (MultipartUpload upload :
          control.listMultipartUploadsPaginator(b -> b.bucket(bucket).prefix(PREFIX)).uploads()) {
        if (upload.initiated() != null
            && upload.initiated().isBefore(before)
            && writer.abort(upload.key(), upload.uploadId())) {
          aborted++;
        }
      }
    } catch (SdkException e) {
      throw StoreFailures.uploadsListing(bucket, e);
    }
    return aborted;
  }

  /**
   * As {@link BlobStore#checkAvailable}: the bucket's {@code HEAD}, on connections of its own, so
   * that it says whether the store answers, not whether the control requests left a connection.
   */
  void checkAvailable() {
    try {
      health.headBucket(b -> b.bucket(bucket));
    } catch (SdkException e) {
      throw StoreFailures.bucketCheck(bucket, e);
    }
  }

  /** As {@link BlobStore#readMarker}. */
  Optional<String> readMarker() {
    try {
      return Optional.of(
          control
              .getObjectAsBytes(b -> b.bucket(bucket).key(MARKER_KEY))
              .asString(StandardCharsets.UTF_8)
              .strip());
    } catch (SdkException e) {
      if (StoreFailures.notFound(e)) {
        return Optional.empty();
      }
      throw StoreFailures.of("reading the deployment marker", e);
    }
  }

  /** As {@link BlobStore#writeMarker}. */
  void writeMarker(String marker) {
    try {
      control.putObject(
          b -> b.bucket(bucket).key(MARKER_KEY).contentType("text/plain"),
          RequestBody.fromString(marker + "\n", StandardCharsets.UTF_8));
    } catch (SdkException e) {
      throw StoreFailures.of("writing the deployment marker", e);
    }
  }

  /** As {@link S3BlobStore#createBucketIfMissing}: the bucket's {@code HEAD}, then its creation. */
  void createBucketIfMissing() {
    try {
      control.headBucket(b -> b.bucket(bucket));
      return;
    } catch (NoSuchBucketException e) {
      // created below
    } catch (S3Exception e) {
      if (e.statusCode() != 404) {
        throw StoreFailures.of(CHECKING_BUCKET + bucket + SETTING, e);
      }
    } catch (SdkException e) {
      throw StoreFailures.of(CHECKING_BUCKET + bucket + SETTING, e);
    }
    log.info("creating bucket {}", bucket);
    try {
      control.createBucket(b -> b.bucket(bucket));
    } catch (SdkException e) {
      throw StoreFailures.of(CREATING_BUCKET + bucket + SETTING, e);
    }
  }
}
