package dev.pt2cache.artifact;

/** A standing invalidation rule refuses uploads like this one. */
public class UploadBlockedException extends RuntimeException {

  public UploadBlockedException(String reason) {
    super(reason);
  }
}
