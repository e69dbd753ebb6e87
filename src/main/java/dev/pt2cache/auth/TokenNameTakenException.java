package dev.pt2cache.auth;

public class TokenNameTakenException extends RuntimeException {

  TokenNameTakenException(String name) {
    super("a token named " + name + " exists and is not revoked; revoke it or choose another name");
  }
}
