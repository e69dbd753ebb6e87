package dev.pt2cache.system;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.util.Set;

/**
 * Whether a failure comes of a connection to the database that was lost or closed under it, so that
 * PostgreSQL rolled back whatever transaction it had open (a session that ends takes its
 * transaction with it): the requests' answer ({@code 503 database-unavailable}) and a rollback that
 * failed on such a connection ({@link LostConnectionRollback}) both ask it.
 */
public final class LostConnections {

  private LostConnections() {}

  /**
   * An SQL state of class 08 (connection exception), a session PostgreSQL ended ({@link
   * #SESSION_ENDED}), a JDBC connection exception, or the pool's closed connection, wherever it
   * lies among the causes. Spring translates most of these as {@code
   * DataAccessResourceFailureException}, but not when the connection fails in a rollback, nor a
   * statement Hibernate ran (its {@code GenericJDBCException} in {@code JpaSystemException}).
   */
  public static boolean lost(Throwable failure) {
    for (Throwable t : Causes.chain(failure)) {
      if (t instanceof SQLTransientConnectionException
          || t instanceof SQLNonTransientConnectionException
          || t instanceof SQLRecoverableException) {
        return true;
      }
      if (t instanceof SQLException sql
          && ((sql.getSQLState() != null
                  && (sql.getSQLState().startsWith("08")
                      || SESSION_ENDED.contains(sql.getSQLState())))
              || (sql.getSQLState() == null && CLOSED_BY_POOL.equals(sql.getMessage())))) {
        return true;
      }
    }
    return false;
  }

  /**
   * PostgreSQL ended the session: {@code admin_shutdown} (an operator's {@code
   * pg_terminate_backend}, a fast or smart shutdown for a restart, a failover), {@code
   * crash_shutdown} (another backend crashed), {@code cannot_connect_now} (starting up or shutting
   * down), {@code idle_session_timeout}, and the operator's {@code
   * idle_in_transaction_session_timeout} (25P03) and {@code transaction_timeout} (25P04, PostgreSQL
   * 17), which end the session, not only its transaction ("FATAL: terminating connection"). Not the
   * rest of class 57: a cancelled statement ({@code 57014}) is no lost connection.
   */
  private static final Set<String> SESSION_ENDED =
      Set.of("57P01", "57P02", "57P03", "57P05", "25P03", "25P04");

  /** HikariCP's answer to a call on a connection it closed, without a state. */
  private static final String CLOSED_BY_POOL = "Connection is closed";
}
