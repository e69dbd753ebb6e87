package dev.pt2cache.report;

import dev.pt2cache.artifact.ArtifactKind;
import dev.pt2cache.artifact.ArtifactState;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/** The {@code artifact_report} table, and the count kept beside the artifact (V5). */
@Component
class ReportStore {

  /** The most reporters kept per artifact: the highest threshold a namespace may set. */
  static final int MAX_REPORTERS = 1000;

  /** The reported artifact, and what its namespace does about reports. */
  record Reported(
      ArtifactKind kind, String key, ArtifactState state, Integer invalidateAfterReports) {}

  /** The count after a new reporter, and the artifact's state as it is now. */
  record Counted(int reportCount, ArtifactState state) {}

  // "for key share": purge cannot delete the artifact under this report, while other reports
  // (and their counting) go on
  private static final String FIND =
      """
      select a.kind, a.cache_key, a.state, n.invalidate_after_reports
        from artifact a join namespace n on n.name = a.namespace
       where a.id = ? and a.namespace = ?
         for key share of a
      """;

  private static final String UPSERT =
      """
      insert into artifact_report (artifact_id, reporter, problem, detail)
      values (?, ?, ?, ?)
      on conflict (artifact_id, reporter) do update
         set problem = excluded.problem, detail = excluded.detail, reported_at = now()
      returning (xmax = 0)
      """;

  // the row lock this takes orders the new reporters of one artifact: each reads the count and
  // state that the one before it committed, so the cap and the threshold hold under concurrency
  private static final String COUNT_ONE_MORE =
      """
      update artifact set report_count = report_count + 1
       where id = ? and report_count < ?
      returning report_count, state
      """;

  // the same row lock as counting one more takes, for a reporter heard before
  private static final String COUNTED =
      "select report_count, state from artifact where id = ? for no key update";

  private static final String FORGET =
      "delete from artifact_report where artifact_id = ? and reporter = ?";

  private static final String SUMMARY =
      """
      select a.state, a.report_count, a.invalidation_id, n.invalidate_after_reports
        from artifact a join namespace n on n.name = a.namespace
       where a.id = ? and a.namespace = ?
      """;

  private static final String NEWEST =
      """
      select reporter, problem, detail, reported_at from artifact_report
       where artifact_id = ?
       order by reported_at desc, reporter
       limit ?
      """;

  // the row lock this takes waits for any new reporter being counted, and holds back the next
  private static final String COUNT_NONE =
      "update artifact set report_count = 0 where id = ? and namespace = ? returning id";

  private static final String FORGET_ALL = "delete from artifact_report where artifact_id = ?";

  private final JdbcClient jdbc;

  ReportStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** The artifact, kept from deletion until the transaction ends. */
  @Transactional(propagation = Propagation.MANDATORY)
  Optional<Reported> find(String namespace, UUID id) {
    return jdbc.sql(FIND)
        .params(id, namespace)
        .query(
            (rs, row) ->
                new Reported(
                    ArtifactKind.fromWire(rs.getString("kind")),
                    rs.getString("cache_key"),
                    ArtifactState.valueOf(rs.getString("state")),
                    rs.getObject("invalidate_after_reports", Integer.class)))
        .optional();
  }

  /** Records a reporter's word on the artifact; true when the reporter is new to it. */
  @Transactional(propagation = Propagation.MANDATORY)
  boolean record(UUID id, String reporter, Failure problem, String detail) {
    return jdbc.sql(UPSERT)
        .params(id, reporter, problem.wireName(), detail)
        .query(Boolean.class)
        .single();
  }

  /**
   * Counts a new reporter into the artifact's row, after any new reporter before it committed;
   * empty when the artifact has {@link #MAX_REPORTERS} already.
   */
  @Transactional(propagation = Propagation.MANDATORY)
  Optional<Counted> countOneMore(UUID id) {
    return jdbc.sql(COUNT_ONE_MORE)
        .params(id, MAX_REPORTERS)
        .query(ReportStore::counted)
        .optional();
  }

  /**
   * The artifact's count and state, under the row lock that counting takes, for a reporter heard
   * before: a threshold set or lowered since may be due.
   */
  @Transactional(propagation = Propagation.MANDATORY)
  Counted counted(UUID id) {
    return jdbc.sql(COUNTED).params(id).query(ReportStore::counted).single();
  }

  private static Counted counted(ResultSet rs, int row) throws SQLException {
    return new Counted(rs.getInt("report_count"), ArtifactState.valueOf(rs.getString("state")));
  }

  /** Takes back the report of a new reporter that the cap left uncounted. */
  @Transactional(propagation = Propagation.MANDATORY)
  void forget(UUID id, String reporter) {
    jdbc.sql(FORGET).params(id, reporter).update();
  }

  /**
   * Deletes every report of the artifact and sets its count to 0, under its row lock: a new
   * reporter counted meanwhile is counted either before (and deleted here) or after (and kept, as
   * its count says). Empty when no such artifact is here; otherwise how many reports went.
   */
  @Transactional(propagation = Propagation.MANDATORY)
  Optional<Integer> clear(String namespace, UUID id) {
    if (jdbc.sql(COUNT_NONE).params(id, namespace).query(UUID.class).optional().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(jdbc.sql(FORGET_ALL).params(id).update());
  }

  /** The artifact's count, state and newest reports; empty when no such artifact is here. */
  Optional<ArtifactReports> summary(String namespace, UUID id, int limit) {
    List<Report> newest = jdbc.sql(NEWEST).params(id, limit).query((rs, row) -> report(rs)).list();
    return jdbc.sql(SUMMARY)
        .params(id, namespace)
        .query(
            (rs, row) ->
                new ArtifactReports(
                    id,
                    ArtifactState.valueOf(rs.getString("state")),
                    rs.getInt("report_count"),
                    rs.getObject("invalidate_after_reports", Integer.class),
                    rs.getObject("invalidation_id", UUID.class),
                    newest))
        .optional();
  }

  private static Report report(ResultSet rs) throws SQLException {
    return new Report(
        rs.getString("reporter"),
        Failure.fromWire(rs.getString("problem")),
        rs.getString("detail"),
        rs.getObject("reported_at", OffsetDateTime.class).toInstant());
  }
}
