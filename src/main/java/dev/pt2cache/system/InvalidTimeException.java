package dev.pt2cache.system;

/** A time given by a caller that the service does not take, such as an expiry in the past. */
public class InvalidTimeException extends RuntimeException {

  InvalidTimeException(String message) {
    super(message);
  }
}
