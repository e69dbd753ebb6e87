package dev.pt2cache.system;

/** A query parameter the operation declares, given without a value or more than once. */
public class MalformedQueryParameterException extends RuntimeException {

  MalformedQueryParameterException(String message) {
    super(message);
  }
}
