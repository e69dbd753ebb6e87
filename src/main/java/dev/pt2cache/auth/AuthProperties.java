package dev.pt2cache.auth;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may call the API. Bound from {@code pt2cache.auth.*}, so from {@code PT2CACHE_AUTH}, {@code
 * PT2CACHE_ADMIN_TOKEN} and {@code PT2CACHE_AUTH_CACHE_TTL} (docs/adr/0015).
 *
 * @param mode {@code tokens} (the default): every call under {@code /v1} needs a bearer token;
 *     {@code none}: nobody is asked, for a cache that only trusted hosts can reach
 * @param adminToken the operator's token: admin in every namespace, never stored; it makes the
 *     other tokens. Required, of at least 16 characters, when the mode is {@code tokens}
 * @param cacheTtl how long an instance trusts what it read of a token before it reads it again: how
 *     long a token revoked on another instance may still work there
 */
@ConfigurationProperties("pt2cache.auth")
public record AuthProperties(
    @DefaultValue("tokens") Mode mode, String adminToken, @DefaultValue("10s") Duration cacheTtl) {

  public enum Mode {
    TOKENS,
    NONE
  }

  static final int MIN_ADMIN_TOKEN_LENGTH = 16;

  public AuthProperties {
    if (mode == Mode.TOKENS
        && (adminToken == null || adminToken.strip().length() < MIN_ADMIN_TOKEN_LENGTH)) {
      throw new IllegalArgumentException(
          "PT2CACHE_ADMIN_TOKEN (pt2cache.auth.admin-token) must be a secret of at least "
              + MIN_ADMIN_TOKEN_LENGTH
              + " characters; or set PT2CACHE_AUTH=none to run without authentication");
    }
    if (cacheTtl.isNegative()) {
      throw new IllegalArgumentException(
          "pt2cache.auth.cache-ttl is " + cacheTtl + "; it must not be negative");
    }
  }
}
