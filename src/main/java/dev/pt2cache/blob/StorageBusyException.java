package dev.pt2cache.blob;

/**
 * The instance is at one of its bounds on store traffic: every upload permit is taken (the uploads
 * that write to the store at once, and so the part buffers and connections they hold), or every
 * store connection a request could use stayed taken for {@code connection-wait}. Retry shortly.
 */
public class StorageBusyException extends RuntimeException {

  private static final String NO_CONNECTION =
      "every connection of this instance to the object store is taken by other transfers;"
          + " retry shortly";

  public StorageBusyException() {
    super("too many uploads are being stored at once; retry shortly");
  }

  private StorageBusyException(String message, Throwable cause) {
    super(message, cause);
  }

  /** A download waited for a store connection until {@code connection-wait} was up. */
  static StorageBusyException noConnection() {
    return new StorageBusyException(NO_CONNECTION, null);
  }

  /** A request waited in a pool of store connections until {@code connection-wait} was up. */
  static StorageBusyException noConnection(Throwable cause) {
    return new StorageBusyException(NO_CONNECTION, cause);
  }
}
