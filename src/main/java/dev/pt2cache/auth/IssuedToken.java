package dev.pt2cache.auth;

import dev.pt2cache.api.model.Token;

/**
 * The answer to {@code POST /v1/tokens}, the one that carries the new token's secret: written as a
 * {@link Token} is, but shown without its secret. Spring MVC writes an answer's {@code toString} to
 * its log ({@code Writing [...]}: the first 100 characters at DEBUG, the whole at TRACE on {@code
 * org.springframework.web}), and the generated model's gave the secret to anyone who could read the
 * log while that level was on.
 */
final class IssuedToken extends Token {

  @Override
  public String toString() {
    String shown = super.toString();
    String secret = getToken();
    return secret == null || secret.isEmpty()
        ? shown
        : shown.replace(secret, "(secret, not shown)");
  }
}
