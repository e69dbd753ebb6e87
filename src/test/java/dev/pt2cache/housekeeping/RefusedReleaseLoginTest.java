package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.zaxxer.hikari.HikariDataSource;
import dev.pt2cache.support.PasswordRoles;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.support.TestInfra;
import dev.pt2cache.system.RefusedLogin;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.StandardEnvironment;

/**
 * The database password changed under a running instance ({@code ALTER ROLE ... PASSWORD}) and the
 * sessions of its pool ended before a job's lock was released: every new login is refused ({@code
 * 28P01}) until the instance restarts with the new password or the old one works again, which no
 * pause brings. Before, the pool's refusal ("Connection is not available", the refused login as its
 * cause) read as a lost connection, and the release was asked again for a quarter of {@code
 * lockAtMostFor} (30 s by default), the job's thread held as long, for a lock that lapses anyway.
 */
class RefusedReleaseLoginTest extends ServiceTest {

  @Test
  void shouldGiveUpAReleaseWhoseLoginIsRefusedAtOnce() throws Exception {
    Map<String, String> env = TestInfra.serviceEnvironment();
    String role = "release_" + UUID.randomUUID().toString().substring(0, 8);
    String job = "refused-release-probe-" + UUID.randomUUID();
    ShedLockConfiguration configuration = new ShedLockConfiguration();
    ScheduledExecutorService keepAlive = configuration.lockKeepAlive();
    try (Connection admin = TestInfra.adminConnection();
        Statement sql = admin.createStatement()) {
      List<String> hba = PasswordRoles.create(admin, role, "first");
      try (HikariDataSource pool = new HikariDataSource()) {
        pool.setJdbcUrl(env.get("PT2CACHE_DB_URL").replaceFirst("\\?.*", ""));
        pool.setUsername(role);
        pool.setPassword("first");
        pool.setMaximumPoolSize(1);
        pool.setConnectionTimeout(1000);
        LockProvider locks = configuration.lockProvider(pool, keepAlive, new StandardEnvironment());
        SimpleLock lock =
            locks
                .lock(
                    new LockConfiguration(Instant.now(), job, Duration.ofMinutes(2), Duration.ZERO))
                .orElseThrow();

        sql.execute("alter role " + role + " password 'second'");
        endSessionsOf(sql, role);
        long started = System.nanoTime();
        Throwable failure = catchThrowable(lock::unlock);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(RefusedLogin.describe(failure))
            .as("the release's failure: %s", failure)
            .isPresent();
        assertThat(took)
            .as(
                "given up at its first refused login (1 s of the pool's wait), not asked again for"
                    + " a quarter of the lock (30 s)")
            .isLessThan(Duration.ofSeconds(5));
      } finally {
        keepAlive.shutdownNow();
        endSessionsOf(sql, role);
        sql.execute("drop role " + role);
        PasswordRoles.writeHba(admin, hba);
        jdbc.sql("delete from shedlock where name = ?").params(job).update();
      }
    }
  }

  private static void endSessionsOf(Statement sql, String role) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              sql.execute(
                  "select pg_terminate_backend(pid) from pg_stat_activity where usename = '"
                      + role
                      + "'");
              try (ResultSet left =
                  sql.executeQuery(
                      "select count(*) from pg_stat_activity where usename = '" + role + "'")) {
                left.next();
                return left.getInt(1) == 0;
              }
            });
  }
}
