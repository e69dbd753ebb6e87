package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import net.javacrumbs.shedlock.core.DefaultLockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockingTaskExecutor;
import org.junit.jupiter.api.Test;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A stopping instance starts no scheduled job: Spring's scheduler fires until the web server has
 * drained, and a job begun then would lose its connection pool halfway, its lock left taken.
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
  final JobRunner runner =
      new JobRunner(
          locks,
          mock(JdbcClient.class),
          new HousekeepingMetrics(new SimpleMeterRegistry(), mock(JdbcClient.class), List.of()),
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
              500));
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
}
