package dev.pt2cache.problem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * A failure while a content response is written (the store failing in the middle of a download).
 * Driven through the handler alone: making the real store fail after a given byte is not something
 * the embedded S3 server offers.
 */
class FailedResponsesTest {

  final ApiExceptionHandler handler = new ApiExceptionHandler();

  @Test
  void shouldLetTheConnectionCloseRatherThanAppendAProblemToBytesSent() throws Exception {
    MockHttpServletResponse response = contentResponse();
    response.getOutputStream().write(new byte[] {1, 2, 3});
    response.flushBuffer();
    IOException failure = new IOException("Premature end of Content-Length delimited message body");

    assertThatThrownBy(() -> handler.other(failure, response)).isSameAs(failure);
    assertThat(response.getContentAsByteArray()).containsExactly(1, 2, 3);
  }

  @Test
  void shouldSendAProblemWithoutTheHeadersOfTheContentWhenNothingWasSent() throws Exception {
    MockHttpServletResponse response = contentResponse();

    ResponseEntity<ProblemDetail> answer =
        handler.other(new IOException("Connection reset by the store"), response);

    assertThat(answer.getStatusCode().value()).isEqualTo(500);
    assertThat(response.getHeader("ETag")).isNull();
    assertThat(response.getHeader("Repr-Digest")).isNull();
    assertThat(response.getHeader("Content-Length")).isNull();
    assertThat(response.getHeader("X-Request-Id")).isEqualTo("r-1");
  }

  /**
   * An invalidation chosen as the victim of a deadlock with another instance's hit bookkeeping: the
   * JPA exception (untranslated, as a shared EntityManager throws it) wraps the driver's.
   */
  @Test
  void shouldTellTheVictimOfADeadlockToTryAgain() throws Exception {
    Exception deadlock =
        new jakarta.persistence.PessimisticLockException(
            "could not execute statement",
            new java.sql.SQLException("ERROR: deadlock detected", "40P01"));

    ResponseEntity<ProblemDetail> answer = handler.other(deadlock, new MockHttpServletResponse());

    assertThat(answer.getStatusCode().value()).isEqualTo(503);
    assertThat(answer.getHeaders().getFirst("Retry-After")).isEqualTo("1");
    assertThat(answer.getBody().getType().toString())
        .isEqualTo("urn:pt2cache:problem:database-unavailable");
    assertThat(
            handler
                .other(
                    new IllegalStateException(new java.sql.SQLException("no", "23505")),
                    new MockHttpServletResponse())
                .getStatusCode()
                .value())
        .as("another database error stays the service's own")
        .isEqualTo(500);
  }

  private static MockHttpServletResponse contentResponse() {
    MockHttpServletResponse response = new MockHttpServletResponse();
    response.setHeader("X-Request-Id", "r-1");
    response.setHeader("ETag", "\"abc\"");
    response.setHeader("Repr-Digest", "sha-256=:q80=:");
    response.setContentType("application/octet-stream");
    response.setContentLengthLong(1000);
    return response;
  }
}
