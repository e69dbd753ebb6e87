package dev.pt2cache.artifact;

public class PayloadTooLargeException extends RuntimeException {

  public PayloadTooLargeException(long size, long limit) {
    super("%d bytes exceed the limit of %d bytes".formatted(size, limit));
  }
}
