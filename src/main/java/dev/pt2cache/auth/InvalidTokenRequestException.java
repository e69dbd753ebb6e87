package dev.pt2cache.auth;

public class InvalidTokenRequestException extends RuntimeException {

  InvalidTokenRequestException(String message) {
    super(message);
  }
}
