package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.pt2cache.support.ServiceTest;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Instances whose time zones differ (one started with {@code TZ=Asia/Tokyo}, another with {@code
 * TZ=America/Chicago}) still run each job one at a time, and one's release frees the job for the
 * others at once. pgjdbc sets each session's time zone from its JVM's, and the job locks are timed
 * by the database's clock in UTC.
 */
class JobLockTimeZoneTest extends ServiceTest {

  @Autowired DataSource service;

  private final ScheduledExecutorService keepAlive = Executors.newSingleThreadScheduledExecutor();
  private final java.util.List<HikariDataSource> pools = new java.util.ArrayList<>();

  @AfterEach
  void close() {
    pools.forEach(HikariDataSource::close);
    keepAlive.shutdownNow();
  }

  /** The job lock provider an instance whose sessions are in {@code zone} would use. */
  private LockProvider instanceIn(String zone) {
    HikariDataSource own = (HikariDataSource) service;
    HikariDataSource pool = new HikariDataSource();
    pool.setJdbcUrl(own.getJdbcUrl());
    pool.setUsername(own.getUsername());
    pool.setPassword(own.getPassword());
    pool.setMaximumPoolSize(1);
    pool.setConnectionInitSql("set time zone '" + zone + "'");
    pools.add(pool);
    return new ShedLockConfiguration().lockProvider(pool, keepAlive);
  }

  private static Optional<SimpleLock> take(LockProvider instance, String job) {
    return instance.lock(
        new LockConfiguration(Instant.now(), job, Duration.ofMinutes(10), Duration.ZERO));
  }

  @Test
  void shouldHoldAndReleaseJobLocksAlikeWhateverTheInstancesTimeZones() {
    LockProvider utc = instanceIn("UTC");
    LockProvider tokyo = instanceIn("Asia/Tokyo");
    LockProvider chicago = instanceIn("America/Chicago");
    String job = "probe-" + UUID.randomUUID();

    SimpleLock held = take(tokyo, job).orElseThrow();
    assertThat(take(utc, job)).as("held by the instance east of UTC").isEmpty();
    assertThat(take(chicago, job)).as("held by the instance east of UTC").isEmpty();
    held.unlock();

    take(chicago, job).orElseThrow().unlock();
    Optional<SimpleLock> next = take(utc, job);
    assertThat(next).as("released by the instance west of UTC").isPresent();
    next.get().unlock();
    take(tokyo, job).orElseThrow().unlock();
  }
}
