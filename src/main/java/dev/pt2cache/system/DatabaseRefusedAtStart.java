package dev.pt2cache.system;

import java.sql.SQLException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;

/**
 * Says which setting to look at when PostgreSQL did not take an instance's first connection: a
 * database that does not exist, a wrong user or password, a host or port where nothing answers.
 * Measured by hand on the packaged jar: each ended its log with "Application run failed", the
 * entity manager's failure to initialise "flywayInitializer", and a 62 to 72-line stack trace whose
 * last "Caused by" held PostgreSQL's own words, naming no setting. Those words stay the
 * description; nothing was migrated, as no connection was made. {@link DatabaseFullAtStart} says
 * its own case ({@code 53300}) first.
 */
public class DatabaseRefusedAtStart implements FailureAnalyzer, Ordered {

  @Override
  public FailureAnalysis analyze(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof SQLException sql && sql.getSQLState() != null) {
        String action = action(sql.getSQLState());
        if (action != null) {
          return new FailureAnalysis(
              "PostgreSQL %s (SQL state %s): %s.%s%s"
                  .formatted(
                      madeNoConnection(sql.getSQLState())
                          ? "did not take this instance's first connection"
                          : "broke off this instance's connection at start",
                      sql.getSQLState(),
                      // PostgreSQL's own sentence may end with its full stop already
                      sql.getMessage().replaceFirst("\\.$", ""),
                      madeNoConnection(sql.getSQLState()) ? " Nothing was migrated." : "",
                      causes(sql)),
              action,
              sql);
        }
      }
    }
    return null;
  }

  /**
   * What the exception's causes say, where pgjdbc's own sentence may say nothing: "The connection
   * attempt failed." for a host name that does not resolve, a TLS failure or a connect timeout,
   * whose reason is only in its cause ({@code java.net.UnknownHostException: db.example}). The
   * report drops the exception's frames and its causes with them.
   */
  private static String causes(SQLException sql) {
    StringBuilder said = new StringBuilder();
    int depth = 0;
    for (Throwable cause = sql.getCause(); cause != null && depth < 5; cause = cause.getCause()) {
      said.append(depth++ == 0 ? " Caused by: " : "; ").append(cause);
    }
    return said.isEmpty() ? "" : said.append('.').toString();
  }

  /**
   * Whether {@code state} says no connection was made at all, so nothing can have been migrated; a
   * connection lost on the way ({@code 08006}, {@code 08003}) may have come after a migration
   * committed.
   */
  private static boolean madeNoConnection(String state) {
    return !state.equals("08006") && !state.equals("08003");
  }

  /** What to change for a connection refused with {@code state}; null for any other failure. */
  private static String action(String state) {
    return switch (state) {
      case "3D000" ->
          "Create that database, or name the one that exists in PT2CACHE_DB_URL"
              + " (jdbc:postgresql://host:port/database).";
      case "28P01", "28000" ->
          "Check PT2CACHE_DB_USER and PT2CACHE_DB_PASSWORD, and that pg_hba.conf lets this host"
              + " in as that user.";
      default ->
          state.startsWith("08")
              ? "Check the host and port in PT2CACHE_DB_URL, and that PostgreSQL runs there and"
                  + " takes connections from this host (listen_addresses, firewalls, sslmode). A"
                  + " connection is waited for PT2CACHE_DB_CONNECTION_WAIT_MS at most."
              : null;
    };
  }

  /** After {@link DatabaseFullAtStart}, before Spring's own analyzers. */
  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE + 1;
  }
}
