package dev.pt2cache.blob;

import dev.pt2cache.system.RecurringFailureLog;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/**
 * Actuator health: is the bucket reachable with the configured credentials? The health endpoints
 * need no token, so an answer is reused for {@link #FRESH_FOR} from when it came, and probes that
 * come while the store is asked wait for that answer: a flood of probes costs the store one request
 * at a time, at most one a second per instance. The check has connections of its own ({@link
 * StoreClients#health}): it says whether the store answers, and a control pool that commits keep
 * full (a slow store meets every instance at once) leaves readiness up. Operations the store
 * refused when the instance started ({@link StoreOperationsCheck}) are named under {@code
 * refusedAtStart}; the bucket stays UP for them.
 */
@Component("storage")
class StorageHealthIndicator extends AbstractHealthIndicator {

  static final Duration FRESH_FOR = Duration.ofSeconds(1);

  private final BlobStore store;
  private final StorageProperties properties;
  private final Supplier<List<StoreOperationsCheck.Refused>> refused;
  private volatile Checked last;
  // not a monitor: a virtual thread that waits on the store inside synchronized, or to enter it,
  // pins its carrier on Java 21 to 23, and two slow probes stalled every request (docs/adr/0052)
  private final ReentrantLock checking = new ReentrantLock();
  private final RecurringFailureLog failures =
      RecurringFailureLog.warnEveryMinute(
          StorageHealthIndicator.class, "object store health check failed");

  @Autowired
  StorageHealthIndicator(
      BlobStore store, StorageProperties properties, StoreOperationsCheck operations) {
    this(store, properties, operations::refused);
  }

  StorageHealthIndicator(BlobStore store, StorageProperties properties) {
    this(store, properties, List::of);
  }

  private StorageHealthIndicator(
      BlobStore store,
      StorageProperties properties,
      Supplier<List<StoreOperationsCheck.Refused>> refused) {
    super("object store is not reachable");
    this.store = store;
    this.properties = properties;
    this.refused = refused;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    Checked checked = last;
    if (stale(checked)) {
      checked = checkedOnce();
    }
    if (checked.failure() != null) {
      // logged here, not by the base class, which logs a stack trace for every probe that
      // fails (or that carries an exception)
      failures.failed(checked.failure());
      builder.down().withDetail("error", checked.failure().toString());
      StoreCaBundle.refused(checked.failure()).ifPresent(why -> builder.withDetail("tls", why));
      return;
    }
    builder.up().withDetail("bucket", properties.bucket());
    List<StoreOperationsCheck.Refused> refusedAtStart = refused.get();
    if (!refusedAtStart.isEmpty()) {
      // reachable, and serving what it can: the operations it refused are named, not made DOWN
      builder.withDetail("refusedAtStart", refusedAtStart.stream().map(Object::toString).toList());
    }
  }

  /**
   * The store's answer, asked by one probe at a time: a probe that came while another's check was
   * in flight takes that answer, stamped when it came, instead of sending its own. Each took one of
   * the check's two connections before, so a store slow to answer made the third probe say DOWN.
   */
  private Checked checkedOnce() {
    checking.lock();
    try {
      Checked checked = last;
      if (stale(checked)) {
        RuntimeException failure = check();
        checked = new Checked(System.nanoTime(), failure);
        last = checked;
      }
      return checked;
    } finally {
      checking.unlock();
    }
  }

  private static boolean stale(Checked checked) {
    return checked == null || System.nanoTime() - checked.atNanos() >= FRESH_FOR.toNanos();
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
