package dev.pt2cache.system;

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
 *
 * <p>The same holds for a session PostgreSQL ended under an open transaction ({@link
 * LostConnections}: an operator's {@code idle_in_transaction_session_timeout} or {@code
 * transaction_timeout}, {@code pg_terminate_backend}, a restart) after the transaction had decided
 * its answer and before its rollback: the rollback reads the session's end ("FATAL: terminating
 * connection ...", SQL state 25P03, 25P04 or 57P01, not of class 08) and fails, and a client's
 * answer ({@code 409 key-conflict}) was replaced by {@code 503 database-unavailable} and Spring's
 * stack trace. Nothing of the transaction was committed, so its own answer stands.
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
        if (!LostConnections.lost(e)) {
          throw e;
        }
        log.debug("rollback on a connection lost or a session ended: PostgreSQL rolls it back", e);
      }
    }
  }
}
