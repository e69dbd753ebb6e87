package dev.pt2cache.problem;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;
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

  @Test
  void shouldStillCallAnyOtherErrorWithoutAStateUnexpected() throws Exception {
    JpaSystemException failure =
        new JpaSystemException(new RuntimeException(new SQLException("x")));

    assertThat(handler.other(failure, new MockHttpServletResponse()).getStatusCode().value())
        .isEqualTo(500);
  }
}
