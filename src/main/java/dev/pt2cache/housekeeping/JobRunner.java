package dev.pt2cache.housekeeping;

import dev.pt2cache.descriptor.CanonicalJson;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockingTaskExecutor.TaskResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Runs a job under its cluster-wide lock (ShedLock on PostgreSQL, database time) and records the
 * run: which instance, when it started and finished, and what it did.
 */
@Component
public class JobRunner {

  private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

  private final LockingTaskExecutor locks;
  private final JdbcClient jdbc;
  private final MeterRegistry registry;
  private final HousekeepingProperties properties;
  private final String instance = instanceName();

  JobRunner(
      LockingTaskExecutor locks,
      JdbcClient jdbc,
      MeterRegistry registry,
      HousekeepingProperties properties) {
    this.locks = locks;
    this.jdbc = jdbc;
    this.registry = registry;
    this.properties = properties;
  }

  /** The run's outcome, or empty when another instance holds the job's lock. */
  public Optional<JobRun> run(HousekeepingJob job) {
    LockConfiguration lock =
        new LockConfiguration(Instant.now(), job.name(), properties.lockAtMostFor(), Duration.ZERO);
    try {
      TaskResult<JobRun> result = locks.executeWithLock(() -> recorded(job), lock);
      return result.wasExecuted() ? Optional.of(result.getResult()) : Optional.empty();
    } catch (Throwable e) {
      log.error("housekeeping job {} failed", job.name(), e);
      return Optional.empty();
    }
  }

  private JobRun recorded(HousekeepingJob job) {
    Instant started = Instant.now();
    long id =
        jdbc.sql(
                "insert into housekeeping_run (job, instance, started_at) values (?, ?, ?) returning id")
            .params(job.name(), instance, java.sql.Timestamp.from(started))
            .query(Long.class)
            .single();
    Timer.Sample sample = Timer.start(registry);
    Map<String, Object> outcome;
    try {
      outcome = job.run();
    } catch (RuntimeException e) {
      log.error("housekeeping job {} failed", job.name(), e);
      outcome = Map.of("error", String.valueOf(e.getMessage()));
    }
    sample.stop(registry.timer("pt2cache.housekeeping.runs", "job", job.name()));
    Instant finished = Instant.now();
    jdbc.sql("update housekeeping_run set finished_at = ?, outcome = ?::jsonb where id = ?")
        .params(java.sql.Timestamp.from(finished), CanonicalJson.of(outcome), id)
        .update();
    if (!outcome.isEmpty()) {
      log.info("housekeeping job {} done: {}", job.name(), outcome);
    }
    return new JobRun(id, job.name(), instance, started, finished, outcome);
  }

  private static String instanceName() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "unknown-host";
    }
    return host + "/" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** One recorded run. */
  public record JobRun(
      long id,
      String job,
      String instance,
      Instant startedAt,
      Instant finishedAt,
      Map<String, Object> outcome) {}
}
