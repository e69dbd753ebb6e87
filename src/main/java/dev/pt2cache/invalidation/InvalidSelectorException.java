package dev.pt2cache.invalidation;

/** A selector with a member that names nothing, such as a null artifact id. */
public class InvalidSelectorException extends RuntimeException {

  InvalidSelectorException(String message) {
    super(message);
  }
}
