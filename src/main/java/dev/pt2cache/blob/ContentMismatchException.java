package dev.pt2cache.blob;

/** The bytes received are not what was declared: another SHA-256, or another size. */
public class ContentMismatchException extends RuntimeException {

  public enum Mismatch {
    DIGEST,
    SIZE
  }

  private final Mismatch mismatch;

  public ContentMismatchException(Mismatch mismatch, String message) {
    super(message);
    this.mismatch = mismatch;
  }

  public Mismatch mismatch() {
    return mismatch;
  }
}
