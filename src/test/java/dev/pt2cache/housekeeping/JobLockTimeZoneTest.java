package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.pt2cache.support.ServiceTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
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
import net.javacrumbs.shedlock.provider.jdbctemplate.JdbcTemplateLockProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.jdbc.core.JdbcTemplate;

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
    return new ShedLockConfiguration()
        .lockProvider(pool(zone), keepAlive, new StandardEnvironment());
  }

  private HikariDataSource pool(String zone) {
    HikariDataSource own;
    try {
      own = service.unwrap(HikariDataSource.class);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    HikariDataSource pool = new HikariDataSource();
    pool.setJdbcUrl(own.getJdbcUrl());
    pool.setUsername(own.getUsername());
    pool.setPassword(own.getPassword());
    pool.setMaximumPoolSize(2);
    pool.setConnectionInitSql("set time zone '" + zone + "'");
    pools.add(pool);
    return pool;
  }

  private static Optional<SimpleLock> take(LockProvider instance, String job) {
    return instance.lock(
        new LockConfiguration(Instant.now(), job, Duration.ofMinutes(10), Duration.ZERO));
  }

  /**
   * A fleet whose instances all ran in one zone west of UTC upgrades to V10: a lock its last run
   * released is free at once for the new instances, not held for hours more (nor, east of UTC, a
   * held one freed).
   */
  @Test
  void shouldKeepTheLocksAFleetInAnotherZoneWroteBeforeTheMigration() throws Exception {
    String table = "shedlock_probe_" + UUID.randomUUID().toString().substring(0, 8);
    String migration =
        Files.readString(Path.of("db/migration/V10__job_locks_in_utc.sql"))
            .replace("alter table shedlock", "alter table " + table);
    HikariDataSource chicago = pool("America/Chicago");
    JdbcTemplate before = new JdbcTemplate(chicago);
    before.execute(
        ("create table %s (name varchar(64) primary key, lock_until timestamptz not null,"
                + " locked_at timestamptz not null, locked_by varchar(255) not null)")
            .formatted(table));
    try {
      take(lockProvider(chicago, table), "probe").orElseThrow().unlock();
      Optional<SimpleLock> held = take(lockProvider(chicago, table), "held");

      before.execute(migration); // the fleet's first new instance migrates, in the fleet's zone

      LockProvider utc = lockProvider(pool("UTC"), table);
      Optional<SimpleLock> next = take(utc, "probe");
      assertThat(next).as("released before the migration").isPresent();
      assertThat(take(utc, "held")).as("held across the migration").isEmpty();
      next.get().unlock();
      held.orElseThrow();
    } finally {
      before.execute("drop table " + table);
    }
  }

  private LockProvider lockProvider(DataSource pool, String table) {
    return new JdbcTemplateLockProvider(
        JdbcTemplateLockProvider.Configuration.builder()
            .withJdbcTemplate(new JdbcTemplate(pool))
            .withTableName(table)
            .usingDbTime()
            .build());
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
