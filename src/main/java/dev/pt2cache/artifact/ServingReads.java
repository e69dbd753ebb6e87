package dev.pt2cache.artifact;

import dev.pt2cache.system.Caller;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.core.simple.JdbcClient.StatementSpec;
import org.springframework.stereotype.Component;

/**
 * The reads that serving paths make on every request (a lookup, an entry GET or HEAD, a download),
 * each one statement and one database round trip, outside any transaction: the artifact together
 * with the standing rules in force in its namespace (the view {@code active_blocking_rule}), so a
 * rule created on any instance holds on the next read without a query of its own. Rows are mapped
 * by {@link Artifact#fromRow}, not by Hibernate, whose result-set mapping was the largest single
 * cost of a lookup (docs/adr/0010).
 */
@Component
class ServingReads {

  /**
   * The rules in force as JSON. Each expiry is written in UTC: JSON's writing of a {@code
   * timestamptz} takes the session's time zone, which pgjdbc sets to the JVM's, and there the
   * latest expiry the contract takes, 9999-12-31T23:59:59.999999Z, is in year 10000 on any host
   * east of UTC ({@code 10000-01-01T13:59:59.999999+14:00}), which no ISO 8601 reader takes.
   */
  private static final String RULES_IN_FORCE =
      """
      (select json_agg(json_build_object('id', r.id, 'selector', r.selector::text,
                  'reason', r.reason, 'expiresAt',
                  to_char(r.expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
                order by r.created_at)
         from active_blocking_rule r
        where r.namespace = a.namespace) as active_rules
      """;

  private static final String READY_UNDER_KEY =
      "select "
          + Artifact.ROW_COLUMNS
          + ", "
          + RULES_IN_FORCE
          + """
            from artifact a
           where a.namespace = :namespace and a.kind = :kind and a.cache_key = :key
             and a.state = 'READY'
          """;

  private static final String BY_ID =
      "select "
          + Artifact.ROW_COLUMNS
          + ", "
          + RULES_IN_FORCE
          + " from artifact a where a.id = :id and a.namespace = :namespace";

  private static final String LOSS =
      "select reason from invalidation where id = :id and made_by = :service";

  private final JdbcClient jdbc;
  private final ArtifactPolicy policy;

  ServingReads(JdbcClient jdbc, ArtifactPolicy policy) {
    this.jdbc = jdbc;
    this.policy = policy;
  }

  /** The ready artifact under a key (there is at most one), with the refusal of a rule in force. */
  Optional<Served> readyUnder(String namespace, ArtifactKind kind, String key) {
    return read(
        jdbc.sql(READY_UNDER_KEY)
            .param("namespace", namespace)
            .param("kind", kind.wireName())
            .param("key", key));
  }

  Optional<Served> byId(String namespace, UUID id) {
    return read(jdbc.sql(BY_ID).param("namespace", namespace).param("id", id));
  }

  /**
   * Why the service itself retired artifacts by this invalidation, if it did: their content was
   * found missing from storage or damaged there ({@link Caller#CONTENT_LOSS}, docs/adr/0028). Read
   * only to answer for an invalidated artifact, off the serving paths' one round trip.
   */
  Optional<String> contentLoss(UUID invalidationId) {
    return jdbc.sql(LOSS)
        .param("id", invalidationId)
        .param("service", Caller.CONTENT_LOSS.name())
        .query(String.class)
        .optional();
  }

  /**
   * What a node is told of an invalidated artifact that the service retired itself, its content
   * found missing or damaged in storage (a download's {@code 410}, a lookup's miss); empty where a
   * caller invalidated it. One read of the invalidation, only for an answer about a retired one.
   */
  Optional<String> retiredByService(Artifact artifact) {
    UUID invalidation = artifact.invalidationId();
    return Optional.ofNullable(invalidation)
        .flatMap(this::contentLoss)
        .map(
            loss ->
                ("artifact %s is no longer served: %s, and the service retired it (invalidation"
                        + " %s); compile and upload it again, which stores the content anew")
                    .formatted(artifact.id(), loss, invalidation));
  }

  private Optional<Served> read(StatementSpec statement) {
    return statement
        .query(
            (rs, row) -> {
              Artifact artifact = Artifact.fromRow(rs);
              StandingRules rules = new StandingRules(rs.getString("active_rules"));
              String refusal =
                  artifact.state() == ArtifactState.READY
                      ? policy.refusal(rules, artifact::subject).orElse(null)
                      : null;
              return new Served(artifact, refusal);
            })
        .optional();
  }
}
