package dev.pt2cache.invalidation;

/** A selector that names nothing would retire everything: refused. */
public class EmptySelectorException extends RuntimeException {

  public EmptySelectorException() {
    super("the selector names no field; an empty selector would retire every artifact");
  }
}
