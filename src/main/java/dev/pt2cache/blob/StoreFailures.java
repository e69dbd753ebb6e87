package dev.pt2cache.blob;

import java.util.Iterator;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** What a failed store request means to the one who asked. */
final class StoreFailures {

  private StoreFailures() {}

  /**
   * {@code storage-busy} when the request never left the instance because every connection of its
   * pool stayed taken: the store is fine, this instance is at its bound. Otherwise the store
   * failed.
   */
  static RuntimeException of(String request, SdkException e) {
    if (PoolWaitNotRetried.waitedForConnection(e)) {
      return StorageBusyException.noConnection(e);
    }
    return new StorageUnavailableException(failed(request, e), e);
  }

  /**
   * "{@code request} failed", and where the store refused this instance's credentials, that and the
   * settings to check: what a housekeeping run records as its error.
   */
  private static String failed(String request, SdkException e) {
    return request + " failed" + RefusedCredentials.describe(e).map(": "::concat).orElse("");
  }

  /**
   * Whether the store answered {@code 404}: the object asked for is not there, which its caller
   * answers as a miss, not a failure.
   */
  static boolean notFound(SdkException e) {
    return e instanceof S3Exception s3 && s3.statusCode() == 404;
  }

  /**
   * What the bucket's {@code HEAD} answered, in words that the health endpoint's {@code error} and
   * the start's report show: "not reachable" for every failure sent an operator whose bucket was
   * deleted, or whose keys were rotated, to look at the network. Never busy: the check has
   * connections of its own ({@link StoreClients#health}), and one that found none free found the
   * checks before it still waiting for the store, which is not reachable from here.
   */
  static StorageUnavailableException bucketCheck(String bucket, SdkException e) {
    if (!(e instanceof AwsServiceException answered)) {
      return new StorageUnavailableException("bucket " + bucket + " is not reachable", e);
    }
    String words =
        switch (answered.statusCode()) {
          case 404 -> "bucket %s does not exist (the store answered 404)".formatted(bucket);
          case 401, 403 ->
              "the store refused the service's credentials for bucket %s (%d)"
                  .formatted(bucket, answered.statusCode());
          default ->
              "bucket %s failed its check (the store answered %d)"
                  .formatted(bucket, answered.statusCode());
        };
    return new StorageUnavailableException(words, e);
  }

  /**
   * A failed listing of the bucket's multipart uploads: {@link StoreRefusedException} where the
   * store refused it for good ({@link #refused}: it lacks the request, or the credentials may not
   * make it), which housekeeping reports apart from a store that is down. Never busy. A key the
   * store does not take is no operation refused: the listing fails as the store's failure, naming
   * the credentials, and so does the run.
   */
  static StorageUnavailableException uploadsListing(String bucket, SdkException e) {
    if (refused(e) && RefusedCredentials.describe(e).isEmpty()) {
      return new StoreRefusedException(
          "the store refused to list multipart uploads in bucket %s: %s"
              .formatted(bucket, e.getMessage()),
          e);
    }
    return new StorageUnavailableException(failed("listing multipart uploads", e), e);
  }

  /**
   * Whether the store refused the request for good: {@code 400}, {@code 403}, {@code 405} or {@code
   * 501}, the answers of a store that lacks an operation (or takes it in a form it does not
   * implement) and of credentials not allowed to make it. Not a missing bucket, a throttle, a
   * timeout or a server error: those may pass.
   */
  static boolean refused(SdkException e) {
    return e instanceof AwsServiceException service
        && switch (service.statusCode()) {
          case 400, 403, 405, 501 -> true;
          default -> false;
        };
  }

  /**
   * The elements of a paginated listing, whose pages are fetched while it is iterated (the first
   * one too, when the listing is opened): a failure of any page is translated as a single request's
   * would be, not raised as the SDK's own.
   */
  static <T> Iterator<T> translating(String request, Supplier<Iterator<T>> listing) {
    return new Iterator<>() {
      private Iterator<T> pages;

      @Override
      public boolean hasNext() {
        return translated(() -> pages().hasNext());
      }

      @Override
      public T next() {
        return translated(() -> pages().next());
      }

      private Iterator<T> pages() {
        if (pages == null) {
          pages = listing.get();
        }
        return pages;
      }

      private <R> R translated(Supplier<R> call) {
        try {
          return call.get();
        } catch (SdkException e) {
          throw of(request, e);
        }
      }
    };
  }
}
