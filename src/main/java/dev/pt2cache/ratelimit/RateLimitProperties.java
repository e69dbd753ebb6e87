package dev.pt2cache.ratelimit;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Per-caller request rates, bound from {@code pt2cache.rate-limit.*}.
 *
 * @param requestsPerSecond how many API calls each caller (a token; all callers together where the
 *     service asks for none) may make to one instance per second, on average; null or 0: no limit
 * @param burst how many calls a caller that was idle may make at once; null: one second's worth
 */
@ConfigurationProperties("pt2cache.rate-limit")
public record RateLimitProperties(Integer requestsPerSecond, Integer burst) {

  public RateLimitProperties {
    // refused in the record itself, not by Bean Validation, which the start's check of every
    // record (system/SettingsRecords, docs/adr/0025) does not run: it named these a start late
    if (requestsPerSecond != null && requestsPerSecond < 0) {
      throw new IllegalArgumentException(
          "pt2cache.rate-limit.requests-per-second (PT2CACHE_RATE_LIMIT) must be 0 or more (0 or"
              + " empty: no limit), not "
              + requestsPerSecond);
    }
    if (burst != null && burst < 1) {
      throw new IllegalArgumentException(
          "pt2cache.rate-limit.burst (PT2CACHE_RATE_LIMIT_BURST) must be at least 1, not " + burst);
    }
  }

  boolean enabled() {
    return requestsPerSecond != null && requestsPerSecond > 0;
  }

  int capacity() {
    return burst != null ? burst : requestsPerSecond;
  }
}
