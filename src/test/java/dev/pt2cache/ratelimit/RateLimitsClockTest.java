package dev.pt2cache.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bucket4j.local.LocalBucket;
import org.junit.jupiter.api.Test;

/**
 * A caller's bucket refills by the monotonic clock. Bucket4j's default is the wall clock, and a
 * wall clock stepped back by a minute (NTP correcting an instance that ran ahead) refilled no
 * bucket for that minute: a caller that had used its burst got {@code 429} with {@code Retry-After:
 * 1} sixty times over (shown with libfaketime; the JVM cannot step its own wall clock in a test, so
 * this pins the clock the bucket is timed by).
 */
class RateLimitsClockTest {

  @Test
  void shouldTimeRefillsByTheMonotonicClockNotTheWallClock() {
    RateLimits limits = new RateLimits(new RateLimitProperties(5, 5));

    LocalBucket bucket = (LocalBucket) limits.newBucket();

    assertThat(bucket.getTimeMeter().isWallClockBased())
        .as("a wall clock stepped back must not stop refills")
        .isFalse();
  }
}
