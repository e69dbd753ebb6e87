package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import net.javacrumbs.shedlock.core.DefaultLockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockingTaskExecutor;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Scheduled rounds that must not run or cannot: a stopping instance starts no scheduled job
 * (Spring's scheduler fires until the web server has drained, and a job begun then would lose its
 * connection pool halfway, its lock left taken), and a round that cannot take its lock is counted.
 */
class JobRunnerClosingTest {

  /** Lock attempts; each is refused, as when another instance holds the job. */
  final AtomicInteger attempts = new AtomicInteger();

  final LockingTaskExecutor locks =
      new DefaultLockingTaskExecutor(
          lock -> {
            attempts.incrementAndGet();
            return Optional.empty();
          });
  final HousekeepingProperties properties =
      new HousekeepingProperties(
          true,
          Duration.ofHours(1),
          0.1,
          Duration.ofSeconds(30),
          Duration.ofMinutes(5),
          Duration.ofHours(6),
          1000,
          Duration.ofMinutes(30),
          Duration.ofHours(24),
          Duration.ofDays(7),
          Duration.ofDays(30),
          Duration.ofDays(365),
          Duration.ofDays(365),
          500,
          100);
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final JobRunner runner = runnerWith(locks);

  JobRunner runnerWith(LockingTaskExecutor locks) {
    return new JobRunner(
        locks,
        mock(JdbcClient.class),
        new HousekeepingMetrics(registry, mock(JdbcClient.class), List.of()),
        properties);
  }

  final HousekeepingJob job =
      new HousekeepingJob() {
        public String name() {
          return "probe";
        }

        public Duration interval() {
          return Duration.ofSeconds(1);
        }

        public Map<String, Object> run() {
          return Map.of();
        }
      };

  @Test
  void shouldStartNoScheduledJobOnceTheInstanceIsStopping() {
    runner.runScheduled(job);
    runner.onApplicationEvent(new ContextClosedEvent(new GenericApplicationContext()));
    runner.runScheduled(job);
    runner.runScheduled(job);

    assertThat(attempts).as("lock attempts: the first round only").hasValue(1);
  }

  /**
   * With the database down, every round of every job fails to take its lock: each is counted, and
   * logged in full once per window, not a stack trace every 30 s per job.
   */
  @Test
  void shouldCountEachRoundThatCouldNotRunAndLogItOncePerWindow() {
    JobRunner failing =
        runnerWith(
            new DefaultLockingTaskExecutor(
                lock -> {
                  throw new IllegalStateException("Connection is not available");
                }));
    Logger logged = (Logger) LoggerFactory.getLogger(JobRunner.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logged.addAppender(lines);
    try {
      for (int i = 0; i < 5; i++) {
        failing.runScheduled(job);
      }
    } finally {
      logged.detachAppender(lines);
    }

    assertThat(registry.get("pt2cache.housekeeping.unrun").tag("job", "probe").counter().count())
        .isEqualTo(5);
    assertThat(lines.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly("housekeeping job probe could not run");
  }

  /**
   * A round whose lock PostgreSQL refused to log in for (a password rotated under the instance):
   * the line names the credentials to check, as a request's "database failed" does, where it said
   * only "could not run" and left the reason at the bottom of its stack trace.
   */
  @Test
  void shouldSayWhenARoundCouldNotRunForRefusedCredentials() {
    JobRunner refused =
        runnerWith(
            new DefaultLockingTaskExecutor(
                lock -> {
                  throw new IllegalStateException(
                      "Failed to obtain JDBC Connection",
                      new SQLException(
                          "FATAL: password authentication failed for user \"pt2cache\"", "28P01"));
                }));
    Logger logged = (Logger) LoggerFactory.getLogger(JobRunner.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logged.addAppender(lines);
    try {
      refused.runScheduled(job);
    } finally {
      logged.detachAppender(lines);
    }

    assertThat(lines.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .singleElement()
        .asString()
        .startsWith(
            "housekeeping job probe could not run: PostgreSQL refused this instance's credentials")
        .contains("SQL state 28P01")
        .contains("PT2CACHE_DB_USER and PT2CACHE_DB_PASSWORD");
  }
}
