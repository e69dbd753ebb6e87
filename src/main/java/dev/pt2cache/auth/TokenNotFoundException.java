package dev.pt2cache.auth;

import java.util.UUID;

public class TokenNotFoundException extends RuntimeException {

  TokenNotFoundException(UUID id) {
    super("token " + id + " does not exist");
  }
}
