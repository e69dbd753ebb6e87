package dev.pt2cache.auth;

/** A valid token that does not allow what was asked. */
public class AccessDeniedException extends RuntimeException {

  AccessDeniedException(String message) {
    super(message);
  }
}
