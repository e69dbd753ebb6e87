package dev.pt2cache.warmup;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The warm-up before readiness (docs/adr/0034). Bound from {@code pt2cache.warmup.*}, so from
 * {@code PT2CACHE_WARMUP} and {@code PT2CACHE_WARMUP_TIMEOUT}.
 *
 * @param enabled whether an instance sends itself the warm-up's requests before it says ready
 * @param timeout the longest the warm-up may take; past it readiness says up anyway
 */
@ConfigurationProperties("pt2cache.warmup")
public record WarmupProperties(
    @DefaultValue("true") boolean enabled, @DefaultValue("30s") Duration timeout) {

  public WarmupProperties {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException(
          "PT2CACHE_WARMUP_TIMEOUT (pt2cache.warmup.timeout) is "
              + timeout
              + "; it must be over 0");
    }
  }
}
