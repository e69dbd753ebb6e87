package dev.pt2cache.problem;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.util.Optional;
import java.util.Set;

/** The database's own error, by its SQL state, wherever it lies among a failure's causes. */
final class SqlStates {

  private SqlStates() {}

  /**
   * The first cause of {@code failure} that is an SQL error in one of {@code states}. An error
   * without a state (Hikari's "Connection is closed") is in none.
   */
  static Optional<SQLException> find(Throwable failure, Set<String> states) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql
          && sql.getSQLState() != null
          && states.contains(sql.getSQLState())) {
        return Optional.of(sql);
      }
    }
    return Optional.empty();
  }

  /**
   * Whether {@code failure} comes of a connection to the database that was lost or closed under the
   * request: an SQL state of class 08 (connection exception), a JDBC connection exception, or the
   * pool's closed connection. Spring translates most of these as {@code
   * DataAccessResourceFailureException}, but not when the connection fails in a rollback
   * (Hibernate's {@code JpaSystemException}).
   */
  static boolean lostConnection(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLTransientConnectionException
          || t instanceof SQLNonTransientConnectionException
          || t instanceof SQLRecoverableException) {
        return true;
      }
      if (t instanceof SQLException sql
          && ((sql.getSQLState() != null && sql.getSQLState().startsWith("08"))
              || (sql.getSQLState() == null && CLOSED_BY_POOL.equals(sql.getMessage())))) {
        return true;
      }
    }
    return false;
  }

  /** HikariCP's answer to a call on a connection it closed, without a state. */
  private static final String CLOSED_BY_POOL = "Connection is closed";
}
