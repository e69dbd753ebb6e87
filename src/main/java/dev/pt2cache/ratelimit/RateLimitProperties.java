package dev.pt2cache.ratelimit;

import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Per-caller request rates, bound from {@code pt2cache.rate-limit.*}.
 *
 * @param requestsPerSecond how many API calls each caller (a token; all callers together where the
 *     service asks for none) may make to one instance per second, on average; null or 0: no limit
 * @param burst how many calls a caller that was idle may make at once; null: one second's worth
 */
@Validated
@ConfigurationProperties("pt2cache.rate-limit")
public record RateLimitProperties(
    @PositiveOrZero Integer requestsPerSecond, @Positive Integer burst) {

  boolean enabled() {
    return requestsPerSecond != null && requestsPerSecond > 0;
  }

  int capacity() {
    return burst != null ? burst : requestsPerSecond;
  }
}
