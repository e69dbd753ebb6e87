package dev.pt2cache.blob;

/**
 * Every upload permit is taken: the service bounds the uploads that write to the store at once, and
 * so the part buffers and store connections they hold. Retry shortly.
 */
public class StorageBusyException extends RuntimeException {

  public StorageBusyException() {
    super("too many uploads are being stored at once; retry shortly");
  }
}
