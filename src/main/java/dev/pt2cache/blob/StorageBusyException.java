package dev.pt2cache.blob;

/**
 * The instance is at one of its bounds on store traffic: every upload permit stayed taken for
 * {@code connection-wait} (the uploads that write to the store at once, and so the part buffers and
 * connections they hold; 30 s before 2026-12-05), the disk for entry bodies spooled without their
 * digest is taken ({@link #noSpoolRoom}), or every store connection a request could use stayed
 * taken for {@code connection-wait}; or the request's namespace holds its share of the permits or
 * of that disk ({@link #namespaceShare}, {@link #noSpoolShare}: docs/adr/0038) while the instance
 * has more. The message names which, since the operator acts on a different setting for each, and a
 * tenant at its share learns that its own transfers hold it. Retry shortly.
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

  private static final String NO_SPOOL_SHARE =
      "this namespace's entries sent without X-Content-SHA256 and Content-Length hold its share of"
          + " the disk this instance spools such bodies to (three quarters of PT2CACHE_SPOOL_DISK);"
          + " other namespaces' bodies take the rest. Send both, and the body needs no spool, or"
          + " retry once some of this namespace's finish";

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

  /**
   * An entry body sent without its digest found its namespace's share of the spool disk taken by
   * the namespace's other such bodies, while the disk may have room for other namespaces'.
   */
  public static StorageBusyException noSpoolShare() {
    return new StorageBusyException(NO_SPOOL_SHARE, null);
  }

  /**
   * An upload of {@code namespace} waited {@code connection-wait} for a place in its namespace's
   * share of the upload permits, which the namespace's other uploads held.
   */
  static StorageBusyException namespaceShare(String namespace, int share, int permits) {
    return new StorageBusyException(
        ("namespace %s's uploads hold its share of this instance's upload permits (%d of %d,"
                + " PT2CACHE_S3_MAX_CONCURRENT_PUTS_PER_NAMESPACE); other namespaces' uploads"
                + " take the rest; retry once one of this namespace's finishes")
            .formatted(namespace, share, permits),
        null);
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
