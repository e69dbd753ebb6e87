package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.HeldRows;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.support.TestInfra;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The session that asks PostgreSQL for a job's lock ends under it ({@code pg_terminate_backend}, as
 * an operator ends an instance's sessions after a leaked password, or a restart or a dropped route
 * ends them): the lock could not be asked, which is the database's failure, not a lock another
 * instance holds. Before, the lock's statement failed, its rollback failed on the closed
 * connection, and ShedLock took that for a lost race: an on-demand run answered {@code 409
 * job-running} ("running on another instance") and a scheduled round was skipped as if another
 * instance ran the job, neither logged nor counted. The test holds the lock's row so that the
 * statement waits, and ends the session that waits.
 */
class EndedLockSessionTest extends ServiceTest {

  @Autowired JobRunner runner;
  @Autowired PurgeJob purge;
  @Autowired DataSource dataSource;

  @Test
  void shouldAnswerAnOnDemandRunWhoseLockCouldNotBeAskedAsTheDatabaseUnavailable()
      throws Exception {
    ApiResponse run =
        endingTheSessionThatAsks(() -> api.postJson("/v1/housekeeping/jobs/purge/runs", ""));

    assertProblem(run, 503, "database-unavailable");
    assertThat(run.header("Retry-After")).isNotNull();
  }

  @Test
  void shouldCountAndLogAScheduledRoundWhoseLockCouldNotBeAsked() throws Exception {
    double unrunBefore = counted("pt2cache.housekeeping.unrun", "job", "purge");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    Logger logger = (Logger) LoggerFactory.getLogger(JobRunner.class);
    lines.start();
    logger.addAppender(lines);
    try {
      endingTheSessionThatAsks(
          () -> {
            runner.runScheduled(purge);
            return null;
          });
    } finally {
      logger.detachAppender(lines);
    }

    assertThat(counted("pt2cache.housekeeping.unrun", "job", "purge") - unrunBefore)
        .as("the round counted as unrun")
        .isEqualTo(1);
    List<ILoggingEvent> errors =
        lines.list.stream().filter(line -> line.getLevel() == Level.ERROR).toList();
    assertThat(errors)
        .extracting(ILoggingEvent::getFormattedMessage)
        .singleElement()
        .asString()
        .as("the line names what PostgreSQL did, and who may have done it")
        .startsWith(
            "housekeeping job purge could not run: PostgreSQL ended the session (SQL state 57P01")
        .contains("pg_terminate_backend");
    assertThat(causes(errors.get(0).getThrowableProxy()))
        .as("the line's causes")
        .contains("terminating connection due to administrator command");
  }

  /**
   * What {@code asking} (a run of {@code purge}) answered when the session of the pool that asked
   * for the job's lock was ended while the statement waited for the lock's row, which the test
   * holds.
   */
  private <T> T endingTheSessionThatAsks(Supplier<T> asking) throws Exception {
    runJob("purge"); // the lock's row is there and free
    try (Connection holder =
            HeldRows.holding(
                dataSource, "select 1 from shedlock where name = ? for update", "purge");
        Connection admin = TestInfra.adminConnection();
        Statement sql = admin.createStatement()) {
      CompletableFuture<T> answer = CompletableFuture.supplyAsync(asking);
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(20))
          .until(
              () -> {
                sql.execute(
                    """
                    select pg_terminate_backend(pid) from pg_stat_activity
                     where wait_event_type = 'Lock' and datname = current_database()
                       and query like '%shedlock%'
                    """);
                return answer.isDone();
              });
      holder.rollback();
      return answer.get(1, TimeUnit.SECONDS);
    }
  }

  private static String causes(IThrowableProxy failure) {
    StringBuilder all = new StringBuilder();
    for (IThrowableProxy t = failure; t != null; t = t.getCause()) {
      all.append(t.getClassName()).append(": ").append(t.getMessage()).append('\n');
    }
    return all.toString();
  }
}
