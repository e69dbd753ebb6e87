package dev.pt2cache.blob;

import static dev.pt2cache.blob.BlobStore.PREFIX;

import dev.pt2cache.blob.BlobStore.StoredObject;
import java.util.Iterator;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The bucket's blob objects, read page by page as the stream is consumed, for {@link
 * S3BlobStore#list()}: keys that are not a blob address (the deployment marker, anything else in
 * the bucket) are left out.
 */
final class S3Listing {

  private static final Pattern BLOB_KEY =
      Pattern.compile("blobs/sha256/[0-9a-f]{2}/([0-9a-f]{64})");

  private final S3Client control;
  private final String bucket;

  S3Listing(S3Client control, String bucket) {
    this.control = control;
    this.bucket = bucket;
  }

  /** As {@link BlobStore#list()}. */
  Stream<StoredObject> list() {
    Iterator<S3Object> objects =
        StoreFailures.translating(
            "listing bucket " + bucket,
            () ->
                control
                    .listObjectsV2Paginator(b -> b.bucket(bucket).prefix(PREFIX))
                    .contents()
                    .iterator());
    return StreamSupport.stream(
            Spliterators.spliteratorUnknownSize(objects, Spliterator.ORDERED), false)
        .map(S3Listing::storedObject)
        .flatMap(Optional::stream);
  }

  private static Optional<StoredObject> storedObject(S3Object object) {
    Matcher key = BLOB_KEY.matcher(object.key());
    return key.matches()
        ? Optional.of(
            new StoredObject(
                key.group(1),
                object.lastModified(),
                object.size(),
                BlobObjects.version(object.eTag(), object.lastModified())))
        : Optional.empty();
  }
}
