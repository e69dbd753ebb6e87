package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.TestInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The offset from the database's clock is measured over the query's own round trip. The test's
 * instance and its database share one clock, so the offset is a few milliseconds at most, however
 * long the reading waited for a connection of a busy pool first.
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class ServiceClockTest {

  private static final Duration POOL_BUSY_FOR = Duration.ofSeconds(3);

  /**
   * Before, the wait for a connection counted in the round trip, half of it as offset: with every
   * connection of the pool held for 3 s, the instance believed the database's clock 1.5 s ahead of
   * its own, and logged that it was, until the next reading.
   */
  @Test
  void shouldNotCountTheWaitForAConnectionAsTheDatabasesClockBeingAhead() throws Exception {
    Map<String, String> env = TestInfra.serviceEnvironment();
    try (HikariDataSource pool = new HikariDataSource()) {
      pool.setJdbcUrl(env.get("PT2CACHE_DB_URL"));
      pool.setUsername(env.get("PT2CACHE_DB_USER"));
      pool.setPassword(env.get("PT2CACHE_DB_PASSWORD"));
      pool.setMaximumPoolSize(1);
      pool.setConnectionTimeout(Duration.ofSeconds(30).toMillis());
      SimpleMeterRegistry registry = new SimpleMeterRegistry();

      Connection held = pool.getConnection();
      CompletableFuture<Void> released =
          CompletableFuture.runAsync(
              () -> close(held),
              CompletableFuture.delayedExecutor(POOL_BUSY_FOR.toMillis(), TimeUnit.MILLISECONDS));
      // the first reading, at start, waits for the pool's one connection
      new ServiceClock(Clock.systemUTC(), new JdbcTemplate(pool), registry);
      released.get();

      double offsetSeconds = registry.get("pt2cache.clock.offset").gauge().value();
      assertThat(Math.abs(offsetSeconds))
          .as("the offset, in seconds, read while the pool was busy for %s", POOL_BUSY_FOR)
          .isLessThan(0.5);
    }
  }

  /**
   * A first reading that fails (the database gone between the migrations and this bean, or its pool
   * busy the whole connection wait) leaves the offset unknown: the gauge says NaN, not the 0 of a
   * clock in step, until a reading succeeds. Before, it said 0.
   */
  @Test
  void shouldNotReportAnOffsetBeforeAnyReadingSucceeded() {
    try (HikariDataSource nowhere = new HikariDataSource()) {
      nowhere.setJdbcUrl("jdbc:postgresql://127.0.0.1:1/pt2cache"); // nothing listens on port 1
      nowhere.setConnectionTimeout(250);
      nowhere.setInitializationFailTimeout(-1);
      SimpleMeterRegistry registry = new SimpleMeterRegistry();

      new ServiceClock(Clock.systemUTC(), new JdbcTemplate(nowhere), registry);

      assertThat(registry.get("pt2cache.clock.offset").gauge().value())
          .as("the offset, in seconds, before any reading succeeded")
          .isNaN();
    }
  }

  private static void close(Connection connection) {
    try {
      connection.close();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
