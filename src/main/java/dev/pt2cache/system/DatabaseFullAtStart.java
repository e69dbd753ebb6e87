package dev.pt2cache.system;

import java.sql.SQLException;
import java.util.Optional;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;

/**
 * Says in a few lines why an instance could not start when PostgreSQL refused its first connection
 * with {@code 53300}: at {@code max_connections}, or the role at its {@code CONNECTION LIMIT}.
 * Measured (ADR 0039): such an instance stops within about 1.5 s of opening its pool, exit status
 * 1, which is what an orchestrator should see (Kubernetes restarts it with a growing back-off, and
 * it starts once a connection is free); it neither hangs nor starts unready. But what it printed
 * was Spring's 70-line stack trace, whose first line names the entity manager and whose last names
 * the cause. Waiting at start for a connection instead would need a bound too, and would hide the
 * same problem behind a start probe's timeout.
 */
public class DatabaseFullAtStart implements FailureAnalyzer, Ordered {

  /** PostgreSQL's {@code too_many_connections}. */
  static final String TOO_MANY_CONNECTIONS = "53300";

  /**
   * The cause of {@code failure} that is PostgreSQL refusing a connection for being at its limit,
   * if any: also what the readiness check looks for (DatabaseHealthIndicator).
   */
  static Optional<SQLException> tooManyConnections(Throwable failure) {
    for (Throwable cause : Causes.chain(failure)) {
      if (cause instanceof SQLException sql && TOO_MANY_CONNECTIONS.equals(sql.getSQLState())) {
        return Optional.of(sql);
      }
    }
    return Optional.empty();
  }

  @Override
  public FailureAnalysis analyze(Throwable failure) {
    return tooManyConnections(failure).map(DatabaseFullAtStart::analysis).orElse(null);
  }

  private static FailureAnalysis analysis(SQLException sql) {
    return new FailureAnalysis(
        "PostgreSQL refused this instance's first connection (SQL state 53300, \""
            + sql.getMessage()
            + "\"): the database is at max_connections, or the role PT2CACHE_DB_USER at its"
            + " CONNECTION LIMIT. The instance stops rather than wait; nothing was migrated.",
        "Free connections or raise the limit: every instance holds up to"
            + " PT2CACHE_DB_POOL_SIZE + 1 (pg_stat_activity names each by application_name"
            + " 'pt2cache <host>'). Restarted (Kubernetes does, with a growing back-off), the"
            + " instance starts once PostgreSQL takes its connection.",
        sql);
  }

  /** Before Spring's own analyzers, which would describe the bean that failed instead. */
  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }
}
