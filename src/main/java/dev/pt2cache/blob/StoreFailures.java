package dev.pt2cache.blob;

import org.apache.http.conn.ConnectionPoolTimeoutException;
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
      if (cause instanceof ConnectionPoolTimeoutException) {
        return StorageBusyException.noConnection(e);
      }
    }
    return new StorageUnavailableException(request + " failed", e);
  }
}
