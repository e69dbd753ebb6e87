package dev.pt2cache.blob;

/** The request body could not be read to its end (the client stopped sending, or went away). */
public class UploadInterruptedException extends RuntimeException {

  public UploadInterruptedException(Throwable cause) {
    super("the request body could not be read to its end", cause);
  }
}
