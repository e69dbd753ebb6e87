package dev.pt2cache.artifact;

import java.sql.ResultSet;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Serializes the transactions that decide which artifact holds a (namespace, kind, key), across
 * every instance of the service, with a PostgreSQL transaction-scoped advisory lock. The partial
 * unique index on READY artifacts stays the last line of defence.
 */
@Component
class KeyLock {

  private final JdbcClient jdbc;

  KeyLock(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  @Transactional(propagation = Propagation.MANDATORY)
  void lock(String namespace, ArtifactKind kind, String key) {
    jdbc.sql("select pg_advisory_xact_lock(hashtextextended(:lock, 0))")
        .param("lock", namespace + '/' + kind.wireName() + '/' + key)
        .query((ResultSet rs) -> {});
  }
}
