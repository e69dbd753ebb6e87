package dev.pt2cache.blob;

import dev.pt2cache.system.RecurringFailureLog;
import java.time.Duration;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/**
 * Actuator health: is the bucket reachable with the configured credentials? The health endpoints
 * need no token, so an answer is reused for {@link #FRESH_FOR}: a flood of probes costs the store
 * one request a second per instance, and leaves the control connections to the existence checks
 * that commits make.
 */
@Component("storage")
class StorageHealthIndicator extends AbstractHealthIndicator {

  static final Duration FRESH_FOR = Duration.ofSeconds(1);

  private final BlobStore store;
  private final StorageProperties properties;
  private volatile Checked last;
  private final RecurringFailureLog failures =
      RecurringFailureLog.warnEveryMinute(
          StorageHealthIndicator.class, "object store health check failed");

  StorageHealthIndicator(BlobStore store, StorageProperties properties) {
    super("object store is not reachable");
    this.store = store;
    this.properties = properties;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    Checked checked = last;
    long now = System.nanoTime();
    if (checked == null || now - checked.atNanos() >= FRESH_FOR.toNanos()) {
      checked = new Checked(now, check());
      last = checked;
    }
    if (checked.failure() != null) {
      // logged here, not by the base class, which logs a stack trace for every probe that
      // fails (or that carries an exception)
      failures.failed(checked.failure());
      builder.down().withDetail("error", checked.failure().toString());
      return;
    }
    builder.up().withDetail("bucket", properties.bucket());
  }

  private RuntimeException check() {
    try {
      store.checkAvailable();
      return null;
    } catch (RuntimeException unavailable) {
      return unavailable;
    }
  }

  /** When the store was last asked, and how it failed (null when it answered). */
  private record Checked(long atNanos, RuntimeException failure) {}
}
