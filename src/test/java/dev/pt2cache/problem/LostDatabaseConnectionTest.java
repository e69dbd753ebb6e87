package dev.pt2cache.problem;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.hibernate.exception.GenericJDBCException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.orm.jpa.JpaSystemException;

/**
 * PostgreSQL going away under a request whose transaction then fails to roll back: Hibernate's
 * {@code JpaSystemException} around the pool's "Connection is closed", which carries no SQL state.
 * A rolling upgrade saw it answered 500 (the handler itself failed on the missing state); it is the
 * database being unavailable, 503 with Retry-After. Driven through the handler alone: losing the
 * database between a statement and the rollback is not something a test can time.
 */
class LostDatabaseConnectionTest {

  final ApiExceptionHandler handler = new ApiExceptionHandler();

  @Test
  void shouldAnswerAConnectionClosedUnderARollbackAsTheDatabaseUnavailable() throws Exception {
    JpaSystemException failure =
        new JpaSystemException(
            new RuntimeException(
                "Unable to rollback against JDBC Connection",
                new SQLException("Connection is closed")));

    ResponseEntity<ProblemDetail> answer = handler.other(failure, new MockHttpServletResponse());

    assertThat(answer.getStatusCode().value()).isEqualTo(503);
    assertThat(answer.getBody().getType().toString()).endsWith(":database-unavailable");
    assertThat(answer.getHeaders().getFirst("Retry-After")).isNotNull();
  }

  @Test
  void shouldAnswerAConnectionExceptionByItsStateAsTheDatabaseUnavailable() throws Exception {
    JpaSystemException failure =
        new JpaSystemException(
            new RuntimeException(new SQLException("This connection has been closed.", "08003")));

    assertThat(handler.other(failure, new MockHttpServletResponse()).getStatusCode().value())
        .isEqualTo(503);
  }

  /**
   * PostgreSQL ending the session under a statement (an operator's {@code pg_terminate_backend} or
   * a restart's fast shutdown, 57P01; a crash of another backend, 57P02; a connection that finds it
   * starting or stopping, 57P03; its {@code idle_session_timeout}, 57P05), as a real run showed it:
   * Hibernate's {@code GenericJDBCException} in Spring's {@code JpaSystemException}, which the
   * handler answered 500 internal-error (9 of some 3,000 requests while the instance's sessions
   * were ended every 4 s, 3 while PostgreSQL restarted every 6 s).
   */
  @ParameterizedTest
  @ValueSource(strings = {"57P01", "57P02", "57P03", "57P05"})
  void shouldAnswerASessionThatPostgresqlEndedAsTheDatabaseUnavailable(String state)
      throws Exception {
    SQLException ended =
        new SQLException("FATAL: terminating connection due to administrator command", state);
    JpaSystemException failure =
        new JpaSystemException(
            new GenericJDBCException(
                "JDBC exception executing SQL [" + ended.getMessage() + "]",
                ended,
                "select count(*) from blob sb1_0 where sb1_0.sha256=?"));

    ResponseEntity<ProblemDetail> answer = handler.other(failure, new MockHttpServletResponse());

    assertThat(answer.getStatusCode().value()).isEqualTo(503);
    assertThat(answer.getBody().getType().toString()).endsWith(":database-unavailable");
    assertThat(answer.getHeaders().getFirst("Retry-After")).isNotNull();
  }

  @Test
  void shouldStillCallAnyOtherErrorWithoutAStateUnexpected() throws Exception {
    JpaSystemException failure =
        new JpaSystemException(new RuntimeException(new SQLException("x")));

    assertThat(handler.other(failure, new MockHttpServletResponse()).getStatusCode().value())
        .isEqualTo(500);
  }
}
