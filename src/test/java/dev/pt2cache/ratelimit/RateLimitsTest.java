package dev.pt2cache.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.bucket4j.TimeMeter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A caller's bucket, on a clock the test moves ({@code RateLimitTest} shows the same through HTTP,
 * in real time): its burst at once, then its rate, and no other caller's calls counted against it.
 */
class RateLimitsTest {

  /** A monotonic clock that moves only when told. */
  static final class StoppedClock implements TimeMeter {
    long nanos = 1;

    @Override
    public long currentTimeNanos() {
      return nanos;
    }

    @Override
    public boolean isWallClockBased() {
      return false;
    }
  }

  final StoppedClock clock = new StoppedClock();

  @Test
  void shouldAdmitTheBurstAtOnceAndThenRefuseSayingWhenToRetry() {
    RateLimits limits = new RateLimits(new RateLimitProperties(2, 3), clock);
    for (int i = 0; i < 3; i++) {
      assertThatCode(() -> limits.admit("fleet")).as("call %d", i + 1).doesNotThrowAnyException();
    }

    assertThatThrownBy(() -> limits.admit("fleet"))
        .isInstanceOfSatisfying(
            RateLimitedException.class, e -> assertThat(e.retryAfterSeconds()).isEqualTo(1))
        .hasMessageContaining("fleet made more than 2 requests per second");
    assertThatCode(() -> limits.admit("other")).doesNotThrowAnyException();
  }

  @Test
  void shouldAdmitAgainAtItsRateOnceTheClockMoves() {
    RateLimits limits = new RateLimits(new RateLimitProperties(2, null), clock);
    limits.admit("fleet");
    limits.admit("fleet");
    assertThatThrownBy(() -> limits.admit("fleet")).isInstanceOf(RateLimitedException.class);

    clock.nanos += TimeUnit.MILLISECONDS.toNanos(500);

    assertThatCode(() -> limits.admit("fleet")).doesNotThrowAnyException();
    assertThatThrownBy(() -> limits.admit("fleet")).isInstanceOf(RateLimitedException.class);
  }
}
