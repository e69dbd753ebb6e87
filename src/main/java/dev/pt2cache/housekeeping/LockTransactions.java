package dev.pt2cache.housekeeping;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.datasource.JdbcTransactionObjectSupport;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.transaction.support.DefaultTransactionStatus;

/**
 * The transactions of the job locks' statements. ShedLock takes a {@link
 * TransactionSystemException} for a lock another instance won (as a JTA commit that lost a race
 * fails), and Spring's plain JDBC transactions raise one for any failed commit or rollback: a lock
 * statement on a connection whose session had ended ({@code pg_terminate_backend}, a restart, a
 * dropped route) failed, its rollback failed on the closed connection, and the round read "held by
 * another instance" ({@code 409 job-running} on demand, a scheduled round skipped without a word).
 * Here a connection closed under the statement is not rolled back (PostgreSQL ended the transaction
 * with the session), so the statement's own failure is raised, and a failed commit or rollback is
 * raised as the database's failure: a lock that could not be asked is not a lock held by someone.
 *
 * <p>Another instance taking the same lock at the same moment holds the row only for its own
 * statement: this one waits for it, then finds the lock taken. A row that another session holds
 * longer, in a transaction left open (an operator's {@code SELECT ... FOR UPDATE}, a frozen
 * client), is not read as taken: the statement waits until the answer wait ({@link
 * AnsweredLockProvider}) closes its connection, and the run is the database's failure ({@code 503
 * database-unavailable} on demand after {@code PT2CACHE_DB_ANSWER_WAIT}, a scheduled round counted
 * as unrun). A {@code lock_timeout} on these statements would read it as taken, but ShedLock
 * retries a release that fails so 10 times, and "running on another instance" would not be true
 * either.
 */
final class LockTransactions extends JdbcTransactionManager {

  LockTransactions(DataSource dataSource) {
    super(dataSource);
  }

  @Override
  protected void doRollback(DefaultTransactionStatus status) {
    if (!closed(status)) {
      super.doRollback(status);
    }
  }

  @Override
  protected RuntimeException translateException(String task, SQLException ex) {
    RuntimeException translated = super.translateException(task, ex);
    return translated instanceof TransactionSystemException
        ? new UncategorizedSQLException(task, null, ex)
        : translated;
  }

  private static boolean closed(DefaultTransactionStatus status) {
    Connection connection =
        ((JdbcTransactionObjectSupport) status.getTransaction())
            .getConnectionHolder()
            .getConnection();
    try {
      return connection.isClosed();
    } catch (SQLException e) {
      return true;
    }
  }
}
