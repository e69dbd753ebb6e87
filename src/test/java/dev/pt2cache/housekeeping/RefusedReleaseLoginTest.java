package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.pt2cache.support.JobLocks;
import dev.pt2cache.support.PasswordRoles;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.support.TestInfra;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import net.javacrumbs.shedlock.core.DefaultLockingTaskExecutor;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.env.StandardEnvironment;

/**
 * The database password changed under a running instance ({@code ALTER ROLE ... PASSWORD}) and the
 * sessions of its pool ended after a job had run, before its lock was released: every new login is
 * refused ({@code 28P01}) until the instance restarts with the new password or the old one works
 * again, which no pause brings. Before, the pool's refusal ("Connection is not available", the
 * refused login as its cause) read as a lost connection, and the release was asked again for a
 * quarter of {@code lockAtMostFor} (30 s by default), the job's thread held as long, for a lock
 * that lapses anyway; and the release's failure, raised from ShedLock's {@code finally}, took the
 * place of the run's own result: the run asked for through the API answered {@code 503} for work it
 * had done and recorded.
 */
@ExtendWith(OutputCaptureExtension.class)
class RefusedReleaseLoginTest extends ServiceTest {

  @Autowired HousekeepingMetrics metrics;
  @Autowired HousekeepingProperties properties;
  @Autowired PurgeJob purge;

  @Test
  void shouldAnswerTheRunAndGiveUpAReleaseWhoseLoginIsRefusedAtOnce(CapturedOutput output)
      throws Exception {
    Map<String, String> env = TestInfra.serviceEnvironment();
    String role = "release_" + UUID.randomUUID().toString().substring(0, 8);
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
        // the job's own statements on the service's pool; its lock on the role's, refused once run
        JobRunner runner =
            new JobRunner(
                JobLocks.beforeTheRelease(
                    new DefaultLockingTaskExecutor(
                        configuration.lockProvider(pool, keepAlive, new StandardEnvironment())),
                    () -> {
                      sql.execute("alter role " + role + " password 'second'");
                      endSessionsOf(sql, role);
                    }),
                jdbc,
                metrics,
                properties);

        long started = System.nanoTime();
        Optional<JobRunner.JobRun> run = runner.run(purge, null);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(run).as("the run, answered as it ran").isPresent();
        assertThat(run.orElseThrow().finishedAt()).isNotNull();
        assertThat(took)
            .as(
                "the release given up at its first refused login (1 s of the pool's wait), not"
                    + " asked again for a quarter of the lock (30 s)")
            .isLessThan(Duration.ofSeconds(10));
        assertThat(output.getAll())
            .contains("housekeeping lock purge was not released (")
            .contains("lapses within PT2M");
        assertThat(
                jdbc.sql("select lock_until > now() from shedlock where name = 'purge'")
                    .query(Boolean.class)
                    .single())
            .as("the lock left to lapse")
            .isTrue();
      } finally {
        keepAlive.shutdownNow();
        endSessionsOf(sql, role);
        sql.execute("update shedlock set lock_until = now() where name = 'purge'");
        sql.execute("drop role " + role);
        PasswordRoles.writeHba(admin, hba);
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
