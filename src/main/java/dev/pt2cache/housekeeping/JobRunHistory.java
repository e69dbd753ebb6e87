package dev.pt2cache.housekeeping;

import dev.pt2cache.descriptor.CanonicalJson;
import dev.pt2cache.housekeeping.JobRunner.JobRun;
import dev.pt2cache.system.PageCursor;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * The record of past housekeeping runs, a page at a time ({@code GET /v1/housekeeping/runs}).
 * Retention runs every 30 seconds on whichever instance holds its lock, and runs are kept 7 days:
 * tens of thousands of rows, and a run an operator looks for is soon pushed out of the newest page.
 * Keyset pages on (started_at, id), newest first, so that a walk to the end sees each run that
 * stood through it exactly once while newer runs are recorded and old ones purged between its
 * pages; an offset would skip and repeat.
 */
@Service
public class JobRunHistory {

  /** One page of runs, newest first; nextCursor is null on the last page. */
  public record JobRunPage(List<JobRun> items, String nextCursor) {}

  private static final String RUNS =
      """
      select id, job, instance, started_at, finished_at, outcome::text as outcome, started_by,
             started_by_id
        from housekeeping_run where true
      """;

  /**
   * The position after a cursor. The bound {@code started_at <= :at} is redundant, but PostgreSQL
   * seeks to it in housekeeping_run_by_start (or housekeeping_run_by_job); without it, the OR is a
   * filter and a page deep in the runs reads every run before it.
   */
  private static final String AFTER =
      """
         and started_at <= :at and (started_at < :at or (started_at = :at and id < :id))
      """;

  private static final String NEWEST_FIRST = " order by started_at desc, id desc limit :limit";

  private final JdbcClient jdbc;

  JobRunHistory(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * One page of the runs of {@code job} (of every job when null); the first when cursor is null.
   */
  public JobRunPage page(String job, int limit, String cursor) {
    PageCursor<Long> after = cursor == null ? null : PageCursor.decode(cursor, Long::valueOf);
    JdbcClient.StatementSpec statement =
        jdbc.sql(statement(job != null, after != null)).param("limit", limit + 1);
    if (job != null) {
      statement = statement.param("job", job);
    }
    if (after != null) {
      statement =
          statement.param("at", after.at().atOffset(ZoneOffset.UTC)).param("id", after.id());
    }
    List<JobRun> rows = statement.query(JobRunHistory::jobRun).list();
    return new JobRunPage(
        PageCursor.page(rows, limit),
        PageCursor.after(rows, limit, last -> new PageCursor<>(last.startedAt(), last.id())));
  }

  /**
   * The statement of a page, of one job's runs or of all, after a cursor or the first, with its
   * parameters {@code :job}, {@code :at}, {@code :id} and {@code :limit} (JobRunPagingTest reads
   * what it costs).
   */
  static String statement(boolean ofOneJob, boolean afterCursor) {
    return RUNS + (ofOneJob ? " and job = :job" : "") + (afterCursor ? AFTER : "") + NEWEST_FIRST;
  }

  @SuppressWarnings("unchecked")
  private static JobRun jobRun(ResultSet rs, int n) throws SQLException {
    String outcome = rs.getString("outcome");
    return new JobRun(
        rs.getLong("id"),
        rs.getString("job"),
        rs.getString("instance"),
        HousekeepingService.instant(rs.getTimestamp("started_at")),
        HousekeepingService.instant(rs.getTimestamp("finished_at")),
        outcome == null ? null : CanonicalJson.parse(outcome, Map.class),
        rs.getString("started_by"),
        rs.getObject("started_by_id", UUID.class));
  }
}
