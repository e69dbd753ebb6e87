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

  /** The reported artifact, locked, with what its namespace does about reports. */
  record Reported(
      ArtifactKind kind, String key, ArtifactState state, Integer invalidateAfterReports) {}

  private static final String LOCK =
      """
      select a.kind, a.cache_key, a.state, n.invalidate_after_reports
        from artifact a join namespace n on n.name = a.namespace
       where a.id = ? and a.namespace = ?
         for update of a
      """;

  private static final String UPSERT =
      """
      insert into artifact_report (artifact_id, reporter, problem, detail)
      values (?, ?, ?, ?)
      on conflict (artifact_id, reporter) do update
         set problem = excluded.problem, detail = excluded.detail, reported_at = now()
      returning (xmax = 0)
      """;

  private static final String RECOUNT =
      """
      update artifact
         set report_count = (select count(*) from artifact_report where artifact_id = :id)
       where id = :id
      returning report_count
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

  /** Locks the artifact's row until the transaction ends, so reports on it count one at a time. */
  @Transactional(propagation = Propagation.MANDATORY)
  Optional<Reported> lock(String namespace, UUID id) {
    return jdbc.sql(LOCK)
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

  /** Records a reporter's word; true when it is the reporter's first on this artifact. */
  @Transactional(propagation = Propagation.MANDATORY)
  boolean record(UUID id, String reporter, Failure problem, String detail) {
    return jdbc.sql(UPSERT)
        .params(id, reporter, problem.wireName(), detail)
        .query(Boolean.class)
        .single();
  }

  /** Counts the artifact's distinct reporters into its row; answers the count. */
  @Transactional(propagation = Propagation.MANDATORY)
  int recount(UUID id) {
    return jdbc.sql(RECOUNT).param("id", id).query(Integer.class).single();
  }

  /** The artifact's count, state and newest reports; empty when no such artifact is here. */
  Optional<ArtifactReports> summary(String namespace, UUID id, int limit) {
    List<Report> newest = newest(id, limit);
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

  private List<Report> newest(UUID id, int limit) {
    return jdbc.sql(NEWEST).params(id, limit).query((rs, row) -> report(rs)).list();
  }

  private static Report report(ResultSet rs) throws SQLException {
    return new Report(
        rs.getString("reporter"),
        Failure.fromWire(rs.getString("problem")),
        rs.getString("detail"),
        rs.getObject("reported_at", OffsetDateTime.class).toInstant());
  }
}
