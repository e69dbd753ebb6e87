package dev.pt2cache.housekeeping;

import dev.pt2cache.descriptor.CanonicalJson;
import dev.pt2cache.system.AnswerWait;
import dev.pt2cache.system.Caller;
import dev.pt2cache.system.DatabaseCause;
import dev.pt2cache.system.HostName;
import dev.pt2cache.system.RecurringFailureLog;
import dev.pt2cache.system.UnansweredStatement;
import io.micrometer.core.instrument.Timer;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockingTaskExecutor.TaskResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Runs a job under its cluster-wide lock (ShedLock on PostgreSQL, database time) and records the
 * run: which instance, when it started and finished, and what it did.
 */
@Component
public class JobRunner implements ApplicationListener<ContextClosedEvent>, DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

  private final LockingTaskExecutor locks;
  private final JdbcClient jdbc;
  private final HousekeepingMetrics metrics;
  private final HousekeepingProperties properties;
  private final String instance = instanceName();
  private volatile boolean closing;
  private final Map<String, RecurringFailureLog> unrunLogs = new ConcurrentHashMap<>();

  /** Runs asked for through the API: see {@link #destroy}. */
  private final OnDemandRuns onDemand = new OnDemandRuns();

  private final Duration stopWait;

  JobRunner(
      LockingTaskExecutor locks,
      JdbcClient jdbc,
      HousekeepingMetrics metrics,
      HousekeepingProperties properties) {
    this(locks, jdbc, metrics, properties, Duration.ofSeconds(30));
  }

  @Autowired
  JobRunner(
      LockingTaskExecutor locks,
      JdbcClient jdbc,
      HousekeepingMetrics metrics,
      HousekeepingProperties properties,
      @Value("${spring.lifecycle.timeout-per-shutdown-phase:30s}") Duration stopWait) {
    this.locks = locks;
    this.jdbc = jdbc;
    this.metrics = metrics;
    this.properties = properties;
    this.stopWait = stopWait;
  }

  /**
   * The instance is stopping: no scheduled job starts from now on. Spring's scheduler goes on
   * firing until its own turn to stop, after the web server has drained, and a job it started then
   * would be cut off when the connection pool closes, leaving its lock taken for {@code
   * lockAtMostFor} and its run unfinished. A job already running is waited for.
   */
  @Override
  public void onApplicationEvent(ContextClosedEvent event) {
    closing = true;
  }

  /**
   * Runs a job now (on demand): its outcome, or empty when another instance holds the job's lock. A
   * failure to take the lock or to record the run is raised, not mistaken for a busy lock.
   *
   * <p>The run goes on a thread of its own, not the request's ({@link OnDemandRuns}): a stopping
   * instance ends the request with its drain, and waits for the run as for a scheduled one. The
   * run's record keeps {@code by}, the caller's token that asked for it (docs/adr/0049).
   */
  public Optional<JobRun> run(HousekeepingJob job, Caller.Token by) {
    return onDemand.run(job.name(), () -> locked(job, () -> recorded(job, by)));
  }

  /**
   * The instance is stopping and its web server has stopped: a run asked for through the API that
   * is still going gets up to the shutdown timeout ({@code PT2CACHE_SHUTDOWN_TIMEOUT}) to finish,
   * record itself and release its lock, before the connection pool closes (which Spring does after
   * this, since the runner depends on it).
   */
  @Override
  public void destroy() throws InterruptedException {
    if (!onDemand.awaitEnd(stopWait)) {
      log.warn(
          "a housekeeping run asked for through the API is still going after {}; its lock lapses"
              + " within {}",
          stopWait,
          properties.lockAtMostFor());
    }
  }

  /**
   * A scheduled round: every instance schedules every job, so the one that takes the lock skips the
   * work when any instance finished it less than half an interval ago. The cluster as a whole runs
   * each job about once per interval, however many instances there are.
   */
  void runScheduled(HousekeepingJob job) {
    if (closing) {
      return; // the other instances go on; a job started now would be cut off by the stop
    }
    try {
      locked(job, () -> ranRecently(job) ? null : recorded(job, null));
    } catch (RuntimeException e) {
      // the database down, say: every round of every job fails alike until it is back
      unrunLogs
          .computeIfAbsent(
              job.name(),
              name ->
                  new RecurringFailureLog(
                      log,
                      Level.ERROR,
                      "housekeeping job " + name + " could not run",
                      Duration.ofMinutes(10)))
          .failed(e, DatabaseCause.describe(e).orElse(null));
      metrics.unrun(job.name());
    }
  }

  /**
   * Runs {@code work} under the job's lock. Each statement of the round waits for PostgreSQL's
   * answer at most the lock's {@code lockAtMostFor} ({@link AnswerWait}; the lock's own statements
   * and the hit flush, the answer wait): on a PostgreSQL that took a statement and went silent, a
   * round held its scheduler thread until TCP gave up (about 15 minutes on a dropped route), and
   * with the gauges, the clock's reading and the other jobs in the same wait, every thread of the
   * scheduler. A round's statements are batched ({@code batchSize}), far shorter than the lock that
   * a silent PostgreSQL lets lapse anyway (its keep-alive gets no answer either). A round cut so
   * fails, is recorded as failed by this round or the job's next, and runs again at its next
   * interval.
   */
  private Optional<JobRun> locked(HousekeepingJob job, Supplier<JobRun> work) {
    LockConfiguration lock =
        new LockConfiguration(Instant.now(), job.name(), properties.lockAtMostFor(), Duration.ZERO);
    TaskResult<JobRun> result =
        AnswerWait.bounded(
            properties.lockAtMostFor(),
            () -> {
              try {
                return locks.executeWithLock(work::get, lock);
              } catch (RuntimeException | Error e) {
                throw e;
              } catch (Throwable e) {
                throw new IllegalStateException("housekeeping job " + job.name() + " failed", e);
              }
            });
    return result.wasExecuted() ? Optional.ofNullable(result.getResult()) : Optional.empty();
  }

  /**
   * Whether any instance finished the job within half its interval. A run stamped later than now
   * (by a build before runs were stamped by the database, on a clock ahead) does not count.
   */
  private boolean ranRecently(HousekeepingJob job) {
    return jdbc.sql(
            """
            select exists (select 1 from housekeeping_run
                            where job = ? and finished_at > now() - make_interval(secs => ?)
                              and finished_at <= now())
            """)
        .params(job.name(), job.interval().toMillis() / 2000.0)
        .query(Boolean.class)
        .single();
  }

  /**
   * Runs the job and records the run, stamped by the database's clock: {@link #ranRecently} judges
   * it by that clock on every instance, so an instance whose own clock ran ahead would otherwise
   * make all of them skip the job for as long as it is ahead (ADR 0006: clocks need not agree).
   * {@code by} is who asked for it through the API; null for a scheduled run.
   */
  private JobRun recorded(HousekeepingJob job, Caller.Token by) {
    endAbandoned(job);
    Map<String, Object> started =
        jdbc.sql(
                """
                insert into housekeeping_run (job, instance, started_at, started_by, started_by_id)
                values (:job, :instance, now(), :by, :byId)
                returning id, started_at
                """)
            .param("job", job.name())
            .param("instance", instance)
            .param("by", by == null ? null : by.name(), Types.VARCHAR)
            .param("byId", by == null ? null : by.id(), Types.OTHER)
            .query()
            .singleRow();
    long id = ((Number) started.get("id")).longValue();
    Timer.Sample sample = Timer.start();
    Map<String, Object> outcome;
    try {
      outcome = job.run();
    } catch (RuntimeException e) {
      // a statement cut by the answer wait: said as such, not as the exception's bare message
      String message =
          UnansweredStatement.describe(
                  e, "a statement of housekeeping job " + job.name(), "PT2CACHE_JOB_LOCK_TIMEOUT")
              .or(() -> DatabaseCause.describe(e))
              .orElse(e.getMessage() == null ? e.toString() : e.getMessage());
      log.error("housekeeping job {} failed: {}", job.name(), message, e);
      // a message holding U+0000 (a store's, quoting what it was sent) could not be recorded
      outcome = Map.of(JobOutcome.ERROR, CanonicalJson.storable(message));
    }
    Timestamp finished =
        jdbc.sql(
                """
                update housekeeping_run set finished_at = now(), outcome = ?::jsonb where id = ?
                returning finished_at
                """)
            .params(CanonicalJson.of(outcome), id)
            .query(Timestamp.class)
            .single();
    metrics.ran(job.name(), sample, outcome); // once recorded: a run it failed to record is unrun
    if (!outcome.isEmpty() && !outcome.containsKey(JobOutcome.ERROR)) { // an error was logged above
      log.info("housekeeping job {} done: {}", job.name(), outcome);
    }
    return new JobRun(
        id,
        job.name(),
        instance,
        ((Timestamp) started.get("started_at")).toInstant(),
        finished.toInstant(),
        outcome,
        by == null ? null : by.name(),
        by == null ? null : by.id());
  }

  /**
   * Ends the runs of the job that an instance left unfinished: killed mid-run ({@code kill -9}, out
   * of memory, its node lost), it never recorded an end, and its run showed as running until its
   * record aged out of the history (7 days). Runs of one job never overlap, and this one holds the
   * job's lock, so a run still unfinished now is one whose instance stopped (or froze for longer
   * than the lock: should it wake, it records its own end over this one). Recorded as failed, with
   * the instance that found it, and counted ({@code pt2cache_housekeeping_runs_abandoned_total}).
   */
  private void endAbandoned(HousekeepingJob job) {
    int ended =
        jdbc.sql(
                """
                update housekeeping_run
                   set finished_at = now(),
                       outcome = jsonb_build_object('error', 'never finished: its instance stopped'
                         || ' during the run (killed or lost), or PostgreSQL did not answer it'
                         || ' before its end was written; found by ' || ?::text)
                 where job = ? and finished_at is null
                """)
            .params(instance, job.name())
            .update();
    if (ended > 0) {
      log.warn(
          "housekeeping job {}: {} run(s) left unfinished by a stopped instance recorded as failed",
          job.name(),
          ended);
      metrics.abandoned(job.name(), ended);
    }
  }

  private static String instanceName() {
    return HostName.get() + "/" + UUID.randomUUID().toString().substring(0, 8);
  }

  /**
   * One recorded run.
   *
   * @param startedBy the name of the caller's token that asked for it; null for a scheduled run and
   *     for runs recorded before it was kept
   * @param startedById that token's id; null for the operator's and where startedBy is null
   */
  public record JobRun(
      long id,
      String job,
      String instance,
      Instant startedAt,
      Instant finishedAt,
      Map<String, Object> outcome,
      String startedBy,
      UUID startedById) {}
}
