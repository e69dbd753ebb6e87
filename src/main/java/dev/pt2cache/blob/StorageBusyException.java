package dev.pt2cache.blob;

/** Every upload buffer is taken: the service bounds the memory uploads hold. Retry shortly. */
public class StorageBusyException extends RuntimeException {

  public StorageBusyException() {
    super("too many uploads are being stored at once; retry shortly");
  }
}
