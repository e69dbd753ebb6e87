package dev.pt2cache.blob;

/** The object store could not be reached or refused a request it should have accepted. */
public class StorageUnavailableException extends RuntimeException {

  public StorageUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
