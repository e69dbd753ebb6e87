package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.pt2cache.support.LogLines;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.support.TestInfra;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * PostgreSQL ends the session of a transaction that has already decided a client's answer (a key
 * that holds another artifact: {@code 409 key-conflict}), between its last statement and its
 * rollback: an operator's {@code idle_in_transaction_session_timeout} (25P03) or {@code
 * transaction_timeout} (25P04) on the service's role, or {@code pg_terminate_backend} (57P01). The
 * rollback then reads the session's end ("FATAL: terminating connection ...") and fails. Before,
 * that failure replaced the transaction's own: a mixed load with either timeout at 5 ms on the role
 * answered some writes {@code 503 database-unavailable} where {@code 409} was due, and Spring
 * logged "Application exception overridden by rollback exception" with its stack trace for each.
 * PostgreSQL rolled the transaction back as the session ended, so the answer the transaction
 * decided stands. The session ended is the transaction's own, found by its backend's pid; the
 * settings are its own, {@code SET LOCAL}.
 */
class EndedSessionRollbackTest extends ServiceTest {

  @Autowired PlatformTransactionManager transactionManager;
  @PersistenceContext EntityManager entities;

  /** The answer a transaction decided for its client, as a 409's exception is. */
  static final class ClientAnswer extends RuntimeException {
    ClientAnswer() {
      super("the key holds another artifact");
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "idle_in_transaction_session_timeout",
        "transaction_timeout",
        "pg_terminate_backend"
      })
  void shouldKeepTheTransactionsOwnAnswerWhenPostgresqlEndedItsSessionBeforeTheRollback(
      String ending) throws Exception {
    if (ending.equals("transaction_timeout")) {
      assumeThat(jdbc.sql("show server_version_num").query(Integer.class).single())
          .as("transaction_timeout is PostgreSQL 17's")
          .isGreaterThanOrEqualTo(170000);
    }
    try (LogLines log = LogLines.capture();
        Connection admin = TestInfra.adminConnection()) {
      answeredAfterTheEnd(
          () ->
              jdbc.sql("update namespace set max_idle_days = 3 where name = ?").param(ns).update(),
          ending,
          admin);

      assertThat(log.warnings("org.springframework"))
          .as("Spring's \"Application exception overridden by rollback exception\"")
          .isEmpty();
      assertThat(log.warnings("com.zaxxer.hikari.pool.ProxyConnection"))
          .as("HikariCP's stack trace per connection cut")
          .isEmpty();
    }
    assertThat(api.get("/v1/namespaces/" + ns).json().has("maxIdleDays"))
        .as("nothing of the transaction stands")
        .isFalse();
    assertThat(api.putJson("/v1/namespaces/" + ns, "{\"maxIdleDays\": 3}").status())
        .as("the pool serves on")
        .isEqualTo(200);
  }

  /**
   * The same end under a transaction whose write went through Hibernate, as the service's
   * repositories' do: its rollback failed, so Hibernate closed its session with the transaction's
   * completion unrun, and logged two WARN lines for it ("HHH90010101: Closing shared session with
   * unprocessed transaction completion actions", "HHH90010108: Closing session with unprocessed
   * clean up bulk operations"): a pair for every request whose session ended, 13 to 151 in a 20 s
   * load with the role's {@code idle_in_transaction_session_timeout} at 5 ms (ADR 0039), beside the
   * service's own line once per window.
   */
  @ParameterizedTest
  @ValueSource(strings = {"idle_in_transaction_session_timeout", "pg_terminate_backend"})
  void shouldLogNoLineOfHibernatesForATransactionWhoseSessionPostgresqlEnded(String ending)
      throws Exception {
    try (LogLines log = LogLines.capture();
        Connection admin = TestInfra.adminConnection()) {
      answeredAfterTheEnd(
          () ->
              entities
                  .createNativeQuery("update namespace set max_idle_days = 3 where name = ?")
                  .setParameter(1, ns)
                  .executeUpdate(),
          ending,
          admin);

      assertThat(log.warnings("org.hibernate")).as("Hibernate's lines").isEmpty();
    }
    assertThat(api.get("/v1/namespaces/" + ns).json().has("maxIdleDays"))
        .as("nothing of the transaction stands")
        .isFalse();
  }

  /**
   * Runs {@code write} (a write of the transaction's own, that no rollback may leave) in a
   * transaction that then decides its client's answer once its session has ended, and checks that
   * the answer is what the transaction raised, not its rollback's failure.
   */
  private void answeredAfterTheEnd(Runnable write, String ending, Connection admin) {
    ClientAnswer answer = new ClientAnswer();
    assertThatThrownBy(
            () ->
                new TransactionTemplate(transactionManager)
                    .executeWithoutResult(
                        status -> {
                          write.run();
                          end(ending, admin);
                          throw answer;
                        }))
        .as("the transaction's own failure, not its rollback's")
        .isSameAs(answer);
  }

  /**
   * Ends the session of the transaction now running, idle in it, and waits until it has: by its own
   * setting ({@code SET LOCAL}: the pool's other sessions are untouched) or by its backend's pid.
   */
  private void end(String ending, Connection admin) {
    int pid = jdbc.sql("select pg_backend_pid()").query(Integer.class).single();
    if (ending.equals("pg_terminate_backend")) {
      query(admin, "select pg_terminate_backend(?)", pid);
    } else {
      jdbc.sql("set local " + ending + " = '50ms'").update();
    }
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> query(admin, "select count(*) from pg_stat_activity where pid = ?", pid) == 0);
  }

  private static int query(Connection admin, String sql, int pid) {
    try (PreparedStatement statement = admin.prepareStatement(sql)) {
      statement.setInt(1, pid);
      try (ResultSet rs = statement.executeQuery()) {
        rs.next();
        return rs.getObject(1) instanceof Boolean ? 1 : rs.getInt(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
