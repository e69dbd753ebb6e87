package dev.pt2cache.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Scheduler;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One token bucket per caller, in this instance's memory: a caller may make {@code burst} calls at
 * once and {@code requestsPerSecond} on average. A caller idle for ten minutes is forgotten, and
 * comes back with a full bucket.
 *
 * <p>Refills are timed by the monotonic clock ({@code System.nanoTime}), not the wall clock that
 * Bucket4j takes by default: a wall clock stepped back (NTP correcting an instance that ran ahead,
 * a VM resumed from a pause) refilled no bucket until it had caught up again, so every caller at
 * its rate was refused for as long as the step, each time told to retry after a second.
 */
class RateLimits {

  private static final long NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);

  /** How long a caller's bucket is kept after its last call. */
  static final Duration IDLE = Duration.ofMinutes(10);

  private final RateLimitProperties properties;
  private final Cache<String, Bucket> buckets;
  private final TimeMeter clock;
  private volatile Consumer<String> forgotten = caller -> {};

  RateLimits(RateLimitProperties properties) {
    this(properties, TimeMeter.SYSTEM_NANOTIME);
  }

  /** Timed by another clock than the monotonic one: for tests, which must not wait for it. */
  RateLimits(RateLimitProperties properties, TimeMeter clock) {
    this.properties = properties;
    this.clock = clock;
    // timed by the same clock as the refills; forgotten callers are told about at once, in the
    // thread that found them idle, and found within a second or so by the scheduler
    this.buckets =
        Caffeine.newBuilder()
            .maximumSize(100_000)
            .expireAfterAccess(IDLE)
            .ticker(clock::currentTimeNanos)
            .scheduler(Scheduler.systemScheduler())
            .executor(Runnable::run)
            .<String, Bucket>removalListener(
                (caller, bucket, cause) -> {
                  if (cause.wasEvicted()) {
                    forgotten.accept(caller);
                  }
                })
            .build();
  }

  /**
   * Who is told of each caller forgotten (idle for {@link #IDLE}, or pushed out by newer ones), so
   * that what is kept per caller elsewhere goes with its bucket.
   */
  void onForgotten(Consumer<String> listener) {
    this.forgotten = listener;
  }

  /** Takes one call from the caller's bucket; throws when it is empty, saying how long to wait. */
  void admit(String caller) {
    ConsumptionProbe probe = buckets.get(caller, c -> newBucket()).tryConsumeAndReturnRemaining(1);
    if (!probe.isConsumed()) {
      long seconds = Math.max(1, ceilDiv(probe.getNanosToWaitForRefill(), NANOS_PER_SECOND));
      throw new RateLimitedException(caller, properties.requestsPerSecond(), seconds);
    }
  }

  /** A full bucket for a caller not seen lately. */
  Bucket newBucket() {
    return Bucket.builder()
        .withCustomTimePrecision(clock)
        .addLimit(
            limit ->
                limit
                    .capacity(properties.capacity())
                    .refillGreedy(properties.requestsPerSecond(), Duration.ofSeconds(1)))
        .build();
  }

  private static long ceilDiv(long x, long y) {
    return -Math.floorDiv(-x, y);
  }
}
