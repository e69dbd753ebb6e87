package dev.pt2cache.housekeeping;

import dev.pt2cache.system.AnswerWait;
import dev.pt2cache.system.RecurringFailureLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * What an operator alerts on for housekeeping: each run's duration by its outcome on the instance
 * that ran it, rounds that could not run at all, and, on every instance alike, when each job last
 * succeeded anywhere in the fleet (read from the runs' records, so an instance that never wins a
 * job's lock still tells, and a restart forgets nothing).
 */
@Component
class HousekeepingMetrics {

  private final MeterRegistry registry;
  private final JdbcClient jdbc;
  private final List<String> jobs;
  private final TaggedGauges lastSuccess;
  private final AtomicLong bucketContents = new AtomicLong(-1);
  private final AtomicLong bucketBytes = new AtomicLong(-1);
  private final AtomicLong bucketMeasured = new AtomicLong(0);
  private final RecurringFailureLog failures =
      RecurringFailureLog.warnEveryMinute(
          HousekeepingMetrics.class,
          "housekeeping gauges not refreshed; they show what they last read");

  HousekeepingMetrics(MeterRegistry registry, JdbcClient jdbc, List<HousekeepingJob> jobs) {
    this.registry = registry;
    this.jdbc = jdbc;
    this.jobs = jobs.stream().map(HousekeepingJob::name).toList();
    // at 0 from the start: an alert on increase() sees the first failure, not a series appearing
    this.jobs.forEach(this::unrunCounter);
    this.jobs.forEach(this::abandonedCounter);
    this.lastSuccess =
        new TaggedGauges(
            registry,
            "pt2cache.housekeeping.last.success",
            "job",
            "When each job last finished without an error or a halt, on any instance (Unix"
                + " time; 0: never)",
            "seconds");
    registerBucket(registry);
  }

  private void registerBucket(MeterRegistry registry) {
    Gauge.builder("pt2cache.bucket.contents", bucketContents, AtomicLong::get)
        .description(
            "Contents in the bucket, each once however many artifacts share it (at the"
                + " last purge; -1: none yet)")
        .register(registry);
    Gauge.builder("pt2cache.bucket.stored", bucketBytes, AtomicLong::get)
        .baseUnit("bytes")
        .description("Bytes in the bucket, each content once (at the last purge; -1: none yet)")
        .register(registry);
    // a purge by a build before these counts records none: the gauges then age, and say so
    Gauge.builder("pt2cache.bucket.measured", bucketMeasured, AtomicLong::get)
        .baseUnit("seconds")
        .description("When the purge that counted the bucket finished (Unix time; 0: none yet)")
        .register(registry);
  }

  /** A run finished: its duration, tagged {@code success}, {@code failure} or {@code halted}. */
  void ran(String job, Timer.Sample sample, Map<String, Object> outcome) {
    sample.stop(
        Timer.builder("pt2cache.housekeeping.runs")
            .description("Housekeeping runs on this instance, by outcome")
            .tags("job", job, "outcome", outcomeOf(outcome))
            .register(registry));
  }

  /** A scheduled round that could not run at all (its lock or its record failed). */
  void unrun(String job) {
    unrunCounter(job).increment();
  }

  /**
   * Runs that an instance left unfinished (killed mid-run), found by the next run of the job on
   * this instance and recorded as failed.
   */
  void abandoned(String job, int runs) {
    abandonedCounter(job).increment(runs);
  }

  private Counter abandonedCounter(String job) {
    return Counter.builder("pt2cache.housekeeping.runs.abandoned")
        .description(
            "Runs left unfinished by an instance that stopped mid-run (killed, out of memory, its"
                + " node lost), found by the job's next run on this instance")
        .tags("job", job)
        .register(registry);
  }

  static String outcomeOf(Map<String, Object> outcome) {
    if (outcome.containsKey(JobOutcome.ERROR)) {
      return "failure";
    }
    return outcome.containsKey(JobOutcome.HALTED) ? "halted" : "success";
  }

  @Scheduled(fixedDelayString = "${pt2cache.housekeeping.gauge-interval:30s}", initialDelay = 0)
  void refresh() {
    try {
      AnswerWait.bounded( // a silent PostgreSQL held a scheduler thread for as long
          () -> {
            show();
            return null;
          });
    } catch (RuntimeException e) {
      failures.failed(e); // the database is down, say: the gauge keeps what it showed
    }
  }

  private void showBucket() {
    jdbc.sql(
            """
            select (outcome ->> 'storedContents')::bigint as contents,
                   (outcome ->> 'storedBytes')::bigint as bytes,
                   extract(epoch from finished_at)::bigint as at
              from housekeeping_run
             where job = 'purge' and outcome ->> 'storedBytes' is not null
             order by started_at desc limit 1
            """)
        .query(
            (rs, i) -> new long[] {rs.getLong("contents"), rs.getLong("bytes"), rs.getLong("at")})
        .optional()
        .ifPresent(
            counted -> {
              bucketContents.set(counted[0]);
              bucketBytes.set(counted[1]);
              bucketMeasured.set(counted[2]);
            });
  }

  private void show() {
    showBucket();
    // 'error' and 'halted' below: the keys JobOutcome.ERROR and JobOutcome.HALTED
    Map<String, Double> finished =
        jdbc
            .sql(
                """
                select job, extract(epoch from max(finished_at)) as at from housekeeping_run
                 where finished_at is not null
                   and outcome ->> 'error' is null and outcome ->> 'halted' is null
                 group by job
                """)
            .query((rs, i) -> Map.entry(rs.getString("job"), rs.getBigDecimal("at").doubleValue()))
            .list()
            .stream()
            .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    lastSuccess.show(
        jobs.stream()
            .collect(Collectors.toMap(job -> job, job -> finished.getOrDefault(job, 0.0))));
  }

  private Counter unrunCounter(String job) {
    return Counter.builder("pt2cache.housekeeping.unrun")
        .description("Scheduled rounds of a job that could not run (its lock or record failed)")
        .tag("job", job)
        .register(registry);
  }
}
