package dev.pt2cache.artifact;

import jakarta.persistence.EntityManagerFactory;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.hibernate.SessionFactory;
import org.hibernate.StatelessSession;
import org.hibernate.query.NativeQuery;
import org.hibernate.type.StandardBasicTypes;
import org.springframework.stereotype.Component;

/**
 * The reads that serving paths make on every request (a lookup, an entry GET or HEAD, a download),
 * each one statement and one database round trip, outside any transaction: the artifact together
 * with the standing rules in force in its namespace (the view {@code active_blocking_rule}), so a
 * rule created on any instance holds on the next read without a query of its own. A stateless
 * session maps the row onto the entity, with no persistence context to keep (docs/adr/0009).
 */
@Component
class ServingReads {

  private static final String RULES_IN_FORCE =
      """
      (select json_agg(json_build_object('id', r.id, 'selector', r.selector::text,
                  'reason', r.reason, 'expiresAt', r.expires_at) order by r.created_at)
         from active_blocking_rule r
        where r.namespace = a.namespace) as active_rules
      """;

  private static final String READY_UNDER_KEY =
      "select {a.*}, "
          + RULES_IN_FORCE
          + """
            from artifact a
           where a.namespace = :namespace and a.kind = :kind and a.cache_key = :key
             and a.state = 'READY'
          """;

  private static final String BY_ID =
      "select {a.*}, "
          + RULES_IN_FORCE
          + " from artifact a where a.id = :id and a.namespace = :namespace";

  private final SessionFactory sessions;
  private final ArtifactPolicy policy;

  ServingReads(EntityManagerFactory entityManagerFactory, ArtifactPolicy policy) {
    this.sessions = entityManagerFactory.unwrap(SessionFactory.class);
    this.policy = policy;
  }

  /** The ready artifact under a key (there is at most one), with the refusal of a rule in force. */
  Optional<Served> readyUnder(String namespace, ArtifactKind kind, String key) {
    return read(
        READY_UNDER_KEY,
        query ->
            query
                .setParameter("namespace", namespace)
                .setParameter("kind", kind.wireName())
                .setParameter("key", key));
  }

  Optional<Served> byId(String namespace, UUID id) {
    return read(BY_ID, query -> query.setParameter("namespace", namespace).setParameter("id", id));
  }

  private Optional<Served> read(String sql, Consumer<NativeQuery<Object[]>> parameters) {
    List<Object[]> rows;
    try (StatelessSession session = sessions.openStatelessSession()) {
      NativeQuery<Object[]> query =
          session
              .createNativeQuery(sql, Object[].class)
              .addEntity("a", Artifact.class)
              .addScalar("active_rules", StandardBasicTypes.STRING);
      parameters.accept(query);
      rows = query.getResultList();
    }
    if (rows.isEmpty()) {
      return Optional.empty();
    }
    Artifact artifact = (Artifact) rows.get(0)[0];
    StandingRules rules = new StandingRules((String) rows.get(0)[1]);
    String refusal =
        artifact.state() == ArtifactState.READY
            ? policy.refusal(rules, artifact::subject).orElse(null)
            : null;
    return Optional.of(new Served(artifact, refusal));
  }
}
