package dev.pt2cache.system;

import java.util.Optional;
import java.util.Set;

/**
 * Says, in one line, that PostgreSQL refused the service's credentials for a new connection ({@code
 * 28P01} a wrong password, {@code 28000} a role that may not log in, was dropped or renamed, or
 * that {@code pg_hba.conf} turns away). A running instance meets it only when it opens a
 * connection: PostgreSQL checks a password at login alone, so the connections a pool holds go on
 * serving after {@code ALTER ROLE ... PASSWORD} until the pool replaces them (docs/operations.md,
 * "Rotating the database and store credentials").
 */
public final class RefusedLogin {

  private static final Set<String> STATES = Set.of("28P01", "28000");

  private RefusedLogin() {}

  /**
   * The line for {@code failure} when a refused login lies among its causes, in PostgreSQL's words
   * (which name the user, never the password) and with the settings to check; empty for any other
   * failure. HikariCP's "Connection is not available" carries the state of the login that failed
   * last, and that login as its cause: the deepest such error is PostgreSQL's own.
   */
  public static Optional<String> describe(Throwable failure) {
    return SqlCauses.deepest(failure, STATES)
        .map(
            sql ->
                "PostgreSQL refused this instance's credentials for a new connection (SQL state "
                    + sql.getSQLState()
                    + ": "
                    + sql.getMessage()
                    + "): check PT2CACHE_DB_USER and PT2CACHE_DB_PASSWORD against the role"
                    + " (a password changed or a role dropped while instances run), and"
                    + " pg_hba.conf");
  }
}
