package dev.pt2cache.housekeeping;

import dev.pt2cache.housekeeping.JobRunner.JobRun;
import dev.pt2cache.namespace.NamespaceService;
import dev.pt2cache.system.Caller;
import dev.pt2cache.system.PageCursor;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * What operators ask of housekeeping: run a job now, see evictions ({@link JobRunHistory} lists
 * past runs).
 */
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

  /** One page of evictions, newest first; nextCursor is null on the last page. */
  public record EvictionPage(List<EvictionRecord> items, String nextCursor) {}

  private static final String EVICTIONS =
      """
      select id, artifact_id, kind, cache_key, sha256, size_bytes, reason, last_used_at, evicted_at
        from eviction where namespace = :namespace
      """;

  /**
   * The position after a cursor. The bound {@code evicted_at <= :at} is redundant, but PostgreSQL
   * seeks to it in eviction_by_namespace; without it, the OR is a filter and a page deep in the
   * records reads every row before it.
   */
  private static final String AFTER =
      """
         and evicted_at <= :at and (evicted_at < :at or (evicted_at = :at and id < :id))
      """;

  private static final String NEWEST_FIRST = " order by evicted_at desc, id desc limit :limit";

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

  /**
   * Runs a job now on this instance, unless another instance is running it; {@code by}, the
   * caller's token, is recorded as who asked.
   */
  public JobRun runNow(String job, Caller.Token by) {
    HousekeepingJob known = jobs.get(job);
    if (known == null) {
      throw new IllegalArgumentException("no housekeeping job " + job);
    }
    return runner.run(known, by).orElseThrow(() -> new JobRunningException(job));
  }

  /** One page of a namespace's evictions, newest first; the first when cursor is null. */
  public EvictionPage evictions(String namespace, int limit, String cursor) {
    namespaces.require(namespace);
    PageCursor<Long> after = cursor == null ? null : PageCursor.decode(cursor, Long::valueOf);
    String sql = EVICTIONS + (after == null ? "" : AFTER) + NEWEST_FIRST;
    JdbcClient.StatementSpec statement =
        jdbc.sql(sql).param("namespace", namespace).param("limit", limit + 1);
    if (after != null) {
      statement =
          statement.param("at", after.at().atOffset(ZoneOffset.UTC)).param("id", after.id());
    }
    List<Row> rows = statement.query(HousekeepingService::evictionRow).list();
    return new EvictionPage(
        PageCursor.page(rows, limit).stream().map(Row::eviction).toList(),
        PageCursor.after(
            rows, limit, last -> new PageCursor<>(last.eviction().evictedAt(), last.id())));
  }

  /** An eviction and the id of its record, which breaks ties between evictions of one time. */
  private record Row(long id, EvictionRecord eviction) {}

  private static Row evictionRow(ResultSet rs, int n) throws SQLException {
    return new Row(
        rs.getLong("id"),
        new EvictionRecord(
            rs.getObject("artifact_id", UUID.class),
            rs.getString("kind"),
            rs.getString("cache_key"),
            rs.getString("sha256"),
            rs.getLong("size_bytes"),
            rs.getString("reason"),
            instant(rs.getTimestamp("last_used_at")),
            instant(rs.getTimestamp("evicted_at"))));
  }

  static Instant instant(Timestamp timestamp) {
    return timestamp == null ? null : timestamp.toInstant();
  }
}
