package dev.pt2cache.artifact;

/** An upload request that is well-formed JSON but asks for something the service cannot do. */
public class InvalidUploadException extends RuntimeException {

  public InvalidUploadException(String message) {
    super(message);
  }
}
