package dev.pt2cache.system;

import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;

/**
 * Says, in one line, what PostgreSQL did to a statement or a session when an operator's setting or
 * the server's own limits did it, with the setting to look for: a statement cancelled ({@code
 * statement_timeout}, {@code pg_cancel_backend}), a session ended ({@code
 * idle_in_transaction_session_timeout}, {@code transaction_timeout}, {@code idle_session_timeout},
 * {@code pg_terminate_backend}), a server out of connections or memory; and credentials refused
 * ({@link RefusedLogin}). Each is the database's doing, not the service's, and the same request may
 * simply be sent again.
 *
 * <p>What each answers: docs/operations.md, "What PostgreSQL's own limits answer".
 */
public final class DatabaseCause {

  private static final String WHERE = ", set on the role, the database or the server";

  private static final Map<String, String> LIMITS =
      Map.of(
          "57014",
          "PostgreSQL cancelled the statement (SQL state 57014: %s): its statement_timeout"
              + WHERE
              + ", or an operator's pg_cancel_backend",
          "25P03",
          "PostgreSQL ended the session (SQL state 25P03: %s): its"
              + " idle_in_transaction_session_timeout"
              + WHERE
              + ", must stay above twice PT2CACHE_S3_CONTROL_TIMEOUT",
          "25P04",
          "PostgreSQL ended the session (SQL state 25P04: %s): its transaction_timeout"
              + WHERE
              + ", must stay above the longest transaction of the service",
          "57P05",
          "PostgreSQL ended the session (SQL state 57P05: %s): its idle_session_timeout" + WHERE,
          "57P01",
          "PostgreSQL ended the session (SQL state 57P01: %s): an operator's"
              + " pg_terminate_backend, or a shutdown or failover",
          "53300",
          "PostgreSQL refused a connection (SQL state 53300: %s): max_connections or the role's"
              + " CONNECTION LIMIT reached",
          "53200",
          "PostgreSQL ran out of memory (SQL state 53200: %s)",
          "53000",
          "PostgreSQL lacked a resource (SQL state 53000: %s)");

  private DatabaseCause() {}

  /**
   * The line for {@code failure} when such a cause lies among its causes (the deepest, which is
   * PostgreSQL's own), or a refused login; empty for any other failure.
   */
  public static Optional<String> describe(Throwable failure) {
    return RefusedLogin.describe(failure)
        .or(() -> limit(failure).map(sql -> LIMITS.get(sql.getSQLState()).formatted(message(sql))));
  }

  /**
   * Whether a statement was cancelled or the server lacked a resource ({@code 57014}, class {@code
   * 53} but a full disk): no lost connection, but the database's doing all the same.
   */
  public static boolean cancelledOrOutOfResources(Throwable failure) {
    return limit(failure)
        .map(SQLException::getSQLState)
        .filter(state -> state.equals("57014") || state.startsWith("53"))
        .isPresent();
  }

  /** Whether PostgreSQL cancelled a statement of {@code failure} ({@code 57014}). */
  public static boolean cancelled(Throwable failure) {
    return limit(failure).map(SQLException::getSQLState).filter("57014"::equals).isPresent();
  }

  private static Optional<SQLException> limit(Throwable failure) {
    return SqlCauses.deepest(failure, LIMITS.keySet());
  }

  /** PostgreSQL's own words, without pgjdbc's position and detail lines. */
  private static String message(SQLException sql) {
    String message = String.valueOf(sql.getMessage());
    int line = message.indexOf('\n');
    return line < 0 ? message : message.substring(0, line);
  }
}
