package dev.pt2cache.artifact;

public class InvalidCursorException extends RuntimeException {

  public InvalidCursorException(String cursor) {
    super("cursor '" + cursor + "' was not issued by this service");
  }
}
