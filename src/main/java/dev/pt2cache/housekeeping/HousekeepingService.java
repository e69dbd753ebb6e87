package dev.pt2cache.housekeeping;

import dev.pt2cache.descriptor.CanonicalJson;
import dev.pt2cache.housekeeping.JobRunner.JobRun;
import dev.pt2cache.namespace.NamespaceService;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/** What operators ask of housekeeping: run a job now, see past runs, see evictions. */
@Service
public class HousekeepingService {

  /** One eviction: what, why, when. */
  public record EvictionRecord(
      UUID artifactId,
      String kind,
      String key,
      String sha256,
      long sizeBytes,
      String reason,
      Instant lastUsedAt,
      Instant evictedAt) {}

  private final Map<String, HousekeepingJob> jobs;
  private final JobRunner runner;
  private final JdbcClient jdbc;
  private final NamespaceService namespaces;

  HousekeepingService(
      List<HousekeepingJob> jobs, JobRunner runner, JdbcClient jdbc, NamespaceService namespaces) {
    this.jobs = jobs.stream().collect(Collectors.toMap(HousekeepingJob::name, Function.identity()));
    this.runner = runner;
    this.jdbc = jdbc;
    this.namespaces = namespaces;
  }

  /** Runs a job now on this instance, unless another instance is running it. */
  public JobRun runNow(String job) {
    HousekeepingJob known = jobs.get(job);
    if (known == null) {
      throw new IllegalArgumentException("no housekeeping job " + job);
    }
    return runner.run(known).orElseThrow(() -> new JobRunningException(job));
  }

  public List<JobRun> runs(String job, int limit) {
    return jdbc.sql(
            """
            select id, job, instance, started_at, finished_at, outcome::text as outcome
              from housekeeping_run where cast(:job as varchar) is null or job = :job
             order by started_at desc, id desc limit :limit
            """)
        .param("job", job)
        .param("limit", limit)
        .query(HousekeepingService::jobRun)
        .list();
  }

  public List<EvictionRecord> evictions(String namespace, int limit) {
    namespaces.require(namespace);
    return jdbc.sql(
            """
            select artifact_id, kind, cache_key, sha256, size_bytes, reason, last_used_at, evicted_at
              from eviction where namespace = ? order by evicted_at desc, id desc limit ?
            """)
        .params(namespace, limit)
        .query(
            (rs, n) ->
                new EvictionRecord(
                    rs.getObject("artifact_id", UUID.class),
                    rs.getString("kind"),
                    rs.getString("cache_key"),
                    rs.getString("sha256"),
                    rs.getLong("size_bytes"),
                    rs.getString("reason"),
                    instant(rs.getTimestamp("last_used_at")),
                    instant(rs.getTimestamp("evicted_at"))))
        .list();
  }

  @SuppressWarnings("unchecked")
  private static JobRun jobRun(ResultSet rs, int n) throws SQLException {
    String outcome = rs.getString("outcome");
    return new JobRun(
        rs.getLong("id"),
        rs.getString("job"),
        rs.getString("instance"),
        instant(rs.getTimestamp("started_at")),
        instant(rs.getTimestamp("finished_at")),
        outcome == null ? null : CanonicalJson.parse(outcome, Map.class));
  }

  private static Instant instant(Timestamp timestamp) {
    return timestamp == null ? null : timestamp.toInstant();
  }
}
