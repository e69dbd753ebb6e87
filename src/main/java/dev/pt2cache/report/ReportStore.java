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

  /** What recording a report did. */
  enum Recorded {
    /** A reporter new to this artifact: counted. */
    NEW_REPORTER,
    /** The reporter had reported the artifact before: its report replaced, the count unchanged. */
    REPEATED,
    /** A new reporter beyond {@link #MAX_REPORTERS}: neither kept nor counted. */
    OVER_CAP
  }

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
      select :id, :reporter, :problem, :detail
       where (select report_count from artifact where id = :id) < :cap
          or exists (select 1 from artifact_report where artifact_id = :id and reporter = :reporter)
      on conflict (artifact_id, reporter) do update
         set problem = excluded.problem, detail = excluded.detail, reported_at = now()
      returning (xmax = 0)
      """;

  // the row lock this takes orders the reports of one artifact: each reads the count and state
  // that the one before it committed
  private static final String COUNT_ONE_MORE =
      """
      update artifact set report_count = report_count + 1
       where id = ?
      returning report_count, state
      """;

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

  /** Records a reporter's word on the artifact. */
  @Transactional(propagation = Propagation.MANDATORY)
  Recorded record(UUID id, String reporter, Failure problem, String detail) {
    Optional<Boolean> inserted =
        jdbc.sql(UPSERT)
            .param("id", id)
            .param("reporter", reporter)
            .param("problem", problem.wireName())
            .param("detail", detail)
            .param("cap", MAX_REPORTERS)
            .query(Boolean.class)
            .optional();
    if (inserted.isEmpty()) {
      return Recorded.OVER_CAP;
    }
    return inserted.get() ? Recorded.NEW_REPORTER : Recorded.REPEATED;
  }

  /** Counts a new reporter into the artifact's row, after any report before it committed. */
  @Transactional(propagation = Propagation.MANDATORY)
  Counted countOneMore(UUID id) {
    return jdbc.sql(COUNT_ONE_MORE)
        .param(id)
        .query(
            (rs, row) ->
                new Counted(
                    rs.getInt("report_count"), ArtifactState.valueOf(rs.getString("state"))))
        .single();
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
