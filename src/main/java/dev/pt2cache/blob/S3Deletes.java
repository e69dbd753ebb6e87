package dev.pt2cache.blob;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Deletes blob objects: many to a request through S3's DeleteObjects (up to {@value
 * #MOST_PER_REQUEST} keys), or one to a request where the store does not take DeleteObjects. A
 * store that refuses it as one that lacks it would ({@code NotImplemented}, as Google Cloud
 * Storage's XML API has, or another partial S3 implementation's 400 or 405) is asked key by key
 * from then on, for the life of the instance (docs/adr/0030).
 *
 * <p>A delete request that went unanswered (a timeout, a dropped connection) may still be applied
 * by the store after the client gave up on it. The caller holds the digests' locks while it deletes
 * (ADR 0011), and an upload that gets them next relies on what the store holds then: so a failure
 * that the store did not answer is raised only after {@code settle} more, the time the store was
 * given to answer, for a late deletion to land while the locks still keep uploads out (ADR 0030).
 */
final class S3Deletes {

  /** The most keys S3 takes in one DeleteObjects request. */
  static final int MOST_PER_REQUEST = 1000;

  private static final Logger log = LoggerFactory.getLogger(S3Deletes.class);

  private final S3Client control;
  private final String bucket;
  private final Duration settle;
  private final AtomicBoolean oneByOne = new AtomicBoolean();

  S3Deletes(S3Client control, String bucket, Duration settle) {
    this.control = control;
    this.bucket = bucket;
    this.settle = settle;
  }

  void delete(String sha256) {
    try {
      control.deleteObject(b -> b.bucket(bucket).key(BlobStore.objectKey(sha256)));
    } catch (SdkException e) {
      throw failed("deleting blob " + sha256, e);
    }
  }

  Set<String> deleteAll(Collection<String> sha256s) {
    List<String> digests = List.copyOf(new LinkedHashSet<>(sha256s));
    Set<String> gone = new HashSet<>();
    for (int from = 0; from < digests.size(); from += MOST_PER_REQUEST) {
      List<String> part = digests.subList(from, Math.min(from + MOST_PER_REQUEST, digests.size()));
      gone.addAll(oneByOne.get() ? oneByOne(part) : together(part));
    }
    return gone;
  }

  private Set<String> together(List<String> digests) {
    Map<String, String> byKey = byKey(digests);
    List<ObjectIdentifier> objects =
        byKey.keySet().stream().map(key -> ObjectIdentifier.builder().key(key).build()).toList();
    DeleteObjectsResponse answer;
    try {
      // not quiet: a digest counts as gone only where the store says so
      answer =
          control.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(objects).quiet(false)));
    } catch (SdkException e) {
      if (notImplemented(e)) {
        if (oneByOne.compareAndSet(false, true)) {
          log.warn(
              "the store does not take DeleteObjects ({}): blobs are deleted one per request from"
                  + " now on",
              e.getMessage());
        }
        return oneByOne(digests);
      }
      throw failed("deleting " + digests.size() + " blobs", e);
    }
    if (answer.hasErrors() && !answer.errors().isEmpty()) {
      S3Error first = answer.errors().get(0);
      log.warn(
          "the store kept {} of the {} blob objects it was asked to delete (the first, {}: {} {});"
              + " they and their rows stay for the next purge",
          answer.errors().size(),
          digests.size(),
          first.key(),
          first.code(),
          first.message());
    }
    Set<String> gone = new HashSet<>();
    answer.deleted().forEach(deleted -> addIfAsked(byKey, deleted.key(), gone));
    return gone;
  }

  private Set<String> oneByOne(List<String> digests) {
    Set<String> gone = new HashSet<>();
    int kept = 0;
    S3Exception first = null;
    for (String sha256 : digests) {
      try {
        control.deleteObject(b -> b.bucket(bucket).key(BlobStore.objectKey(sha256)));
        gone.add(sha256);
      } catch (S3Exception refused) {
        // the store answered, for this key: as an error in a DeleteObjects answer, it stays
        kept++;
        first = first == null ? refused : first;
      } catch (SdkException e) {
        throw failed("deleting blob " + sha256, e);
      }
    }
    if (first != null) {
      log.warn(
          "the store kept {} of the {} blob objects it was asked to delete (the first: {});"
              + " they and their rows stay for the next purge",
          kept,
          digests.size(),
          first.getMessage());
    }
    return gone;
  }

  /**
   * The failure to raise, once a request the store did not answer has had {@code settle} more to be
   * applied: an answer (an error status) means the store is done with it, and a request that never
   * got a connection never left.
   */
  private RuntimeException failed(String request, SdkException e) {
    RuntimeException failure = StoreFailures.of(request, e);
    if (failure instanceof StorageUnavailableException && !(e instanceof AwsServiceException)) {
      log.warn(
          "{} went unanswered ({}); waiting {} while the store may still apply it",
          request,
          e.getMessage(),
          settle);
      try {
        Thread.sleep(settle.toMillis());
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    return failure;
  }

  private static void addIfAsked(Map<String, String> byKey, String key, Set<String> gone) {
    String sha256 = byKey.get(key);
    if (sha256 != null) {
      gone.add(sha256);
    }
  }

  private static Map<String, String> byKey(Collection<String> digests) {
    Map<String, String> byKey = new LinkedHashMap<>();
    digests.forEach(sha256 -> byKey.put(BlobStore.objectKey(sha256), sha256));
    return byKey;
  }

  /**
   * What a store that lacks DeleteObjects answers: S3's {@code NotImplemented} (Google Cloud
   * Storage's XML API), a 501, a 405, or a 400 (partial implementations that take {@code POST
   * ?delete} for a malformed request). Asking key by key is right for any store, only slower, so a
   * refusal that might mean the operation is missing is taken as meaning it. Not a 403: the
   * credentials' {@code s3:DeleteObject}, which one request per key needs as well. So: a refusal as
   * {@link StoreFailures#refused} tells them, but a 403, or the error code NotImplemented.
   */
  private static boolean notImplemented(SdkException e) {
    return e instanceof S3Exception s3
        && ((StoreFailures.refused(s3) && s3.statusCode() != 403)
            || (s3.awsErrorDetails() != null
                && "NotImplemented".equals(s3.awsErrorDetails().errorCode())));
  }
}
