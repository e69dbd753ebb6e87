package dev.pt2cache.blob;

import java.util.Iterator;
import java.util.function.Supplier;
import org.apache.hc.core5.http.ConnectionRequestTimeoutException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/** What a failed store request means to the one who asked. */
final class StoreFailures {

  private StoreFailures() {}

  /**
   * {@code storage-busy} when the request never left the instance because every connection of its
   * pool stayed taken: the store is fine, this instance is at its bound. Otherwise the store
   * failed.
   */
  static RuntimeException of(String request, SdkException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof ConnectionRequestTimeoutException) {
        return StorageBusyException.noConnection(e);
      }
    }
    return new StorageUnavailableException(request + " failed", e);
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
