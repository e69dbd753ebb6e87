package dev.pt2cache.system;

import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.transaction.autoconfigure.TransactionManagerCustomizers;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.DefaultTransactionStatus;

/**
 * The transaction manager Spring Boot would make (JPA's, with its customizers), except that a
 * rollback on a connection the driver has lost is not a failure: pgjdbc closes the connection when
 * a read times out ({@link AnswerWait}) or the socket breaks, and PostgreSQL rolls the transaction
 * back itself as the session ends. Before, that rollback's failure ("Unable to rollback against
 * JDBC Connection; This connection has been closed") was thrown in place of the statement's own
 * ("An I/O error occurred while sending to the backend", a read timeout): the service answered,
 * logged and recorded the rollback, and the only line naming the cause was Spring's "Application
 * exception overridden by rollback exception", a 13 KB stack trace for every transaction cut
 * (docs/adr/0039). Now the statement's failure reaches the service, which says it once per window.
 */
@Configuration(proxyBeanMethods = false)
class LostConnectionRollback {

  @Bean
  PlatformTransactionManager transactionManager(
      ObjectProvider<TransactionManagerCustomizers> customizers) {
    JpaTransactionManager transactions = new Manager();
    customizers.ifAvailable(each -> each.customize(transactions));
    return transactions;
  }

  static final class Manager extends JpaTransactionManager {

    private static final Logger log = LoggerFactory.getLogger(LostConnectionRollback.class);

    @Override
    protected void doRollback(DefaultTransactionStatus status) {
      try {
        super.doRollback(status);
      } catch (RuntimeException e) {
        if (!lost(e)) {
          throw e;
        }
        log.debug("rollback on a connection the driver closed: PostgreSQL rolls it back", e);
      }
    }

    /**
     * Among the rollback failure's causes: an SQL state of class 08 (connection exception: pgjdbc's
     * "This connection has been closed"), or HikariCP's "Connection is closed", without a state, of
     * a connection it evicted as broken (and closed) when the statement failed with one.
     */
    static boolean lost(Throwable failure) {
      for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
        if (t instanceof SQLException sql
            && (sql.getSQLState() == null
                ? CLOSED_BY_POOL.equals(sql.getMessage())
                : sql.getSQLState().startsWith("08"))) {
          return true;
        }
      }
      return false;
    }

    private static final String CLOSED_BY_POOL = "Connection is closed";
  }
}
