package dev.pt2cache.system;

public class InvalidCursorException extends RuntimeException {

  public InvalidCursorException(String cursor) {
    super("cursor '" + cursor + "' was not issued by this service");
  }
}
