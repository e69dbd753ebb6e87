package dev.pt2cache.invalidation;

import dev.pt2cache.system.PoolShare;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.Supplier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * How many blocking invalidations retire their matches at once on this instance: a quarter of the
 * database pool, at least one. Each holds two pooled connections while it retires, one for the read
 * of its matches and one for the batch it retires (ADR 0029). Unbounded, as many of them as the
 * pool has connections each took one for its read and waited for a second until the connection wait
 * ran out: they answered {@code 503 database-unavailable}, their rules left in force with nothing
 * retired, and every other request waited as long for a connection. Bounded, what they hold
 * together fits in the pool, so they never wait for each other, and from a pool of four up it is at
 * most half of it, so lookups and uploads keep the other half. One beyond waits for a slot as long
 * as a request waits for a connection, then is refused before it records or retires anything
 * ({@link RetirementsBusyException}).
 */
@Component
class RetirementSlots implements MeterBinder {

  private final PoolShare slots;

  RetirementSlots(
      @Value("${spring.datasource.hikari.maximum-pool-size:10}") int poolSize,
      @Value("${spring.datasource.hikari.connection-timeout:30000}") long waitMillis) {
    this.slots = new PoolShare(poolSize, waitMillis);
  }

  /** Runs {@code retirement} in a slot, or refuses it once none came free within the wait. */
  <T> T run(Supplier<T> retirement) {
    return slots.run(retirement, () -> new RetirementsBusyException(slots.size()));
  }

  /**
   * The slots held and the invalidations waiting for one, on this instance: an operator who sees
   * {@code 503 invalidations-busy} tells from them whether this instance is busy retiring.
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("pt2cache.invalidations.retiring", slots, PoolShare::running)
        .description(
            "Blocking invalidations retiring their matches on this instance, of a quarter of"
                + " PT2CACHE_DB_POOL_SIZE")
        .register(registry);
    Gauge.builder("pt2cache.invalidations.waiting", slots, PoolShare::waiting)
        .description("Blocking invalidations waiting for a slot to retire their matches")
        .register(registry);
  }
}
