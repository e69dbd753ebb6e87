package dev.pt2cache.ratelimit;

import dev.pt2cache.system.WarmupRequests;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Puts the rate limit behind the token check (which runs at order 0, so the caller is known), when
 * {@code PT2CACHE_RATE_LIMIT} sets one (docs/adr/0018).
 */
@Configuration
class RateLimitConfiguration implements WebMvcConfigurer {

  private static final Logger log = LoggerFactory.getLogger(RateLimitConfiguration.class);
  private static final int AFTER_THE_TOKEN_CHECK = 1;

  private final RateLimitProperties properties;
  private final MeterRegistry metrics;
  private final WarmupRequests warmup;

  RateLimitConfiguration(
      RateLimitProperties properties, MeterRegistry metrics, WarmupRequests warmup) {
    this.properties = properties;
    this.metrics = metrics;
    this.warmup = warmup;
  }

  @Override
  public void addInterceptors(InterceptorRegistry registry) {
    if (!properties.enabled()) {
      if (properties.burst() != null) {
        log.warn("PT2CACHE_RATE_LIMIT_BURST is set without PT2CACHE_RATE_LIMIT: no limit applies");
      }
      return;
    }
    log.info(
        "each caller may make {} API calls per second to this instance, {} at once",
        properties.requestsPerSecond(),
        properties.capacity());
    registry
        .addInterceptor(new RateLimitInterceptor(new RateLimits(properties), metrics, warmup))
        .order(AFTER_THE_TOKEN_CHECK);
  }
}
