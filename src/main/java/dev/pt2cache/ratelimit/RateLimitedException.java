package dev.pt2cache.ratelimit;

/** A caller went over its request rate on this instance; it may call again after a wait. */
public class RateLimitedException extends RuntimeException {

  private final long retryAfterSeconds;

  RateLimitedException(String caller, int requestsPerSecond, long retryAfterSeconds) {
    super(
        "%s made more than %d requests per second to this instance; retry after %d s"
            .formatted(caller, requestsPerSecond, retryAfterSeconds));
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
