package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pt2cache.artifact.HitRecorder;
import dev.pt2cache.support.ReadOnlyServer;
import dev.pt2cache.support.ServiceTest;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * While PostgreSQL is read-only (a failover under way), no scheduled round can take its job's lock
 * (the lock is a row written in the {@code shedlock} table): each round is counted ({@code
 * pt2cache_housekeeping_unrun_total}) and the failure logged in full once per window by the runner,
 * as while the database is down. Before, ShedLock also logged its own "Unexpected exception" with
 * the whole stack trace of every round, every 30 s for {@code retention} alone, for as long as the
 * failover lasted.
 */
class ReadOnlyDatabaseRoundsTest extends ServiceTest {

  private static final int ROUNDS = 4;

  @Autowired JobRunner runner;
  @Autowired RetentionJob retention;
  @Autowired DataSource dataSource;

  @Test
  void shouldLogRoundsThatCannotTakeTheirLockOncePerWindow() throws Exception {
    double unrunBefore = counted("pt2cache.housekeeping.unrun", "job", "retention");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    lines.start();
    root.addAppender(lines);
    try {
      ReadOnlyServer.set(jdbc, dataSource, true);
      for (int i = 0; i < ROUNDS; i++) {
        runner.runScheduled(retention);
      }
    } finally {
      root.detachAppender(lines);
      ReadOnlyServer.set(jdbc, dataSource, false);
    }

    assertThat(counted("pt2cache.housekeeping.unrun", "job", "retention") - unrunBefore)
        .isEqualTo(ROUNDS);
    List<String> traces =
        lines.list.stream()
            .filter(line -> line.getLevel().isGreaterOrEqual(Level.WARN))
            .filter(line -> line.getThrowableProxy() != null)
            .filter(line -> !line.getLoggerName().equals(UsageGauges.class.getName()))
            // nor is the hit flush, every 100 ms here, when a hit is pending while writes are
            // refused (the CI of 9683a10)
            .filter(line -> !line.getLoggerName().equals(HitRecorder.class.getName()))
            .map(line -> line.getLoggerName() + ": " + line.getFormattedMessage())
            .toList();
    // the usage gauges' refresh and the hit flush fail too, each saying so once a minute
    assertThat(traces)
        .as("stack traces logged for %d rounds that could not take their lock", ROUNDS)
        .containsExactly(JobRunner.class.getName() + ": housekeeping job retention could not run");
  }
}
