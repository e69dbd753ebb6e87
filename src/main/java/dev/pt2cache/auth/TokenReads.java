package dev.pt2cache.auth;

import dev.pt2cache.system.PoolShare;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Optional;
import java.util.function.Supplier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * How many presented tokens this instance reads from the database at once: a quarter of the pool,
 * at least one. A token the instance has not cached costs a read, and anyone who reaches the port
 * can present a new made-up one with every request: unbounded, 48 connections sending random {@code
 * pt2c_} tokens held up to 19 of the 20 pooled connections with more waiting, and where the reads
 * were slow (the table locked) they held the whole pool, so the fleet's lookups, whose tokens were
 * cached, answered {@code 503 database-unavailable}. Bounded, such reads hold at most a quarter of
 * the pool; one beyond waits for its turn as long as a request waits for a connection, then is
 * refused ({@link TokenChecksBusyException}) without reading anything.
 */
@Component
class TokenReads implements MeterBinder {

  private final PoolShare share;

  TokenReads(
      @Value("${spring.datasource.hikari.maximum-pool-size:10}") int poolSize,
      @Value("${spring.datasource.hikari.connection-timeout:30000}") long waitMillis) {
    this.share = new PoolShare(poolSize, waitMillis);
  }

  /** Runs {@code read} in a turn, or refuses it once none came free within the wait. */
  Optional<ApiToken> read(Supplier<Optional<ApiToken>> read) {
    return share.run(read, () -> new TokenChecksBusyException(share.size()));
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("pt2cache.token.reads.waiting", share, PoolShare::waiting)
        .description(
            "Requests waiting to read their token from the database (it was not cached), beyond"
                + " the quarter of PT2CACHE_DB_POOL_SIZE that may read at once")
        .register(registry);
  }
}
