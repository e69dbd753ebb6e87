package dev.pt2cache.blob;

/**
 * The instance is at one of its bounds on store traffic: every upload permit stayed taken for
 * {@code connection-wait} (the uploads that write to the store at once, and so the part buffers and
 * connections they hold; 30 s before 2026-12-05), the disk for entry bodies spooled without their
 * digest is taken ({@link #noSpoolRoom}), or every store connection a request could use stayed
 * taken for {@code connection-wait}. The message names which, since the operator acts on a
 * different setting for each. Retry shortly.
 */
public class StorageBusyException extends RuntimeException {

  private static final String NO_CONNECTION =
      "every connection of this instance to the object store is taken by other transfers;"
          + " retry shortly";

  private static final String NO_SPOOL_ROOM =
      "the disk this instance spools entries sent without X-Content-SHA256 and Content-Length"
          + " to is taken by other such bodies (PT2CACHE_SPOOL_DISK; gauge"
          + " pt2cache_entry_spool_bytes); send both, and the body needs no spool, or retry"
          + " shortly";

  public StorageBusyException() {
    super("too many uploads are being stored at once; retry shortly");
  }

  private StorageBusyException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * An entry body sent without its digest found no room on the instance's spool disk: before its
   * first write, within {@code connection-wait}; after it, at once (a body that holds room never
   * waits for more, docs/adr/0036).
   */
  public static StorageBusyException noSpoolRoom() {
    return new StorageBusyException(NO_SPOOL_ROOM, null);
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
