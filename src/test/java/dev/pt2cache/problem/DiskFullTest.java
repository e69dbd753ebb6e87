package dev.pt2cache.problem;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.orm.jpa.JpaSystemException;

/**
 * PostgreSQL whose disk is full refuses to write ({@code 53100}, "could not extend file") and goes
 * on reading: the operator's to mend, and the write may be sent again, as while it is read-only
 * (ReadOnlyDatabaseTest). Before, a {@code 500 internal-error}. Driven through the handler alone: a
 * test cannot fill the shared PostgreSQL's disk.
 */
class DiskFullTest {

  @Test
  void shouldAnswerAFullDatabaseDiskAsWritesRefused() throws Exception {
    JpaSystemException failure =
        new JpaSystemException(
            new RuntimeException(
                new SQLException(
                    "ERROR: could not extend file \"base/5/16384\": No space left on device",
                    "53100")));

    ResponseEntity<ProblemDetail> answer =
        new ApiExceptionHandler().other(failure, new MockHttpServletResponse());

    assertThat(answer.getStatusCode().value()).isEqualTo(503);
    assertThat(answer.getBody().getType().toString()).endsWith(":database-writes-refused");
    assertThat(answer.getBody().getDetail()).contains("disk is full");
    assertThat(answer.getHeaders().getFirst("Retry-After")).isNotNull();
  }
}
