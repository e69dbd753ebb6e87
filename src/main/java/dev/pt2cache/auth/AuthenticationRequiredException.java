package dev.pt2cache.auth;

/** No token, or one the service does not accept (unknown, revoked or expired). */
public class AuthenticationRequiredException extends RuntimeException {

  private final boolean tokenPresented;

  AuthenticationRequiredException(String message, boolean tokenPresented) {
    super(message);
    this.tokenPresented = tokenPresented;
  }

  /** Whether a token came and was refused, as opposed to none at all. */
  public boolean tokenPresented() {
    return tokenPresented;
  }
}
