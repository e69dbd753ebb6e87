package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.HeldConnections;
import dev.pt2cache.support.JobLocks;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.support.TestInfra;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.LockingTaskExecutor;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * PostgreSQL ends the sessions of the instance's pool (a restart, a failover, an operator's {@code
 * pg_terminate_backend} of its sessions) after a job has run and recorded its run, before its lock
 * is released. The pool throws away a connection whose statement met the ended session, but hands
 * out without a check any other used within the last half second, as a busy instance's are: before,
 * the release was asked twice, met two dead connections, and the lock stayed taken until {@code
 * lockAtMostFor} (2 minutes): the run asked for was answered as the database's failure although it
 * had run, and the job {@code 409 job-running} after it (a measured load with the role's {@code
 * idle_in_transaction_session_timeout} at 5 ms left a job so, ADR 0039).
 */
class EndedReleaseSessionTest extends ServiceTest {

  @Autowired LockingTaskExecutor locks;
  @Autowired HousekeepingMetrics metrics;
  @Autowired HousekeepingProperties properties;
  @Autowired PurgeJob purge;
  @Autowired DataSource dataSource;

  @Test
  void shouldReleaseAJobsLockWhoseSessionsPostgresqlEndedBetweenTheRunAndTheRelease()
      throws Exception {
    runJob("purge"); // the lock's row is there and free
    JobRunner ending =
        new JobRunner(
            JobLocks.beforeTheRelease(locks, this::endTheSessionsOfEveryPooledConnection),
            jdbc,
            metrics,
            properties);

    Throwable failure = catchThrowable(() -> ending.run(purge, null));
    // past half a second the pool checks the connections left from before the end before it hands
    // them out: the run asked for next meets the lock, not a dead connection
    Thread.sleep(1000);
    try {
      ApiResponse again = JobLocks.run(api, "purge");
      assertThat(again.status()).as("a run asked for after it: %s", again.text()).isEqualTo(200);
      assertThat(failure).as("the run, answered as it ran").isNull();
    } finally {
      if (failure != null) {
        // the lock this run left, for the suite's next runs of purge
        try (Connection admin = TestInfra.adminConnection();
            Statement sql = admin.createStatement()) {
          sql.execute("update shedlock set lock_until = now() where name = 'purge'");
        }
      }
    }
  }

  private void endTheSessionsOfEveryPooledConnection() throws SQLException {
    List<Integer> pids = new ArrayList<>();
    try (HeldConnections every = HeldConnections.every(dataSource)) {
      for (Connection connection : every.connections()) {
        try (Statement sql = connection.createStatement();
            ResultSet pid = sql.executeQuery("select pg_backend_pid()")) {
          pid.next();
          pids.add(pid.getInt(1));
        }
      }
    }
    try (Connection admin = TestInfra.adminConnection();
        PreparedStatement end =
            admin.prepareStatement("select pg_terminate_backend(pid) from unnest(?) pid");
        PreparedStatement left =
            admin.prepareStatement(
                "select count(*) from pg_stat_activity where pid = any(?::int[])")) {
      Array ended = admin.createArrayOf("int4", pids.toArray());
      end.setArray(1, ended);
      end.execute();
      left.setArray(1, ended);
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(5))
          .until(
              () -> {
                try (ResultSet count = left.executeQuery()) {
                  count.next();
                  return count.getInt(1) == 0;
                }
              });
    }
  }
}
