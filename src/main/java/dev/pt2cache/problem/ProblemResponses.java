package dev.pt2cache.problem;

import dev.pt2cache.system.LogContext;
import jakarta.servlet.http.HttpServletResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/**
 * Builds every problem the advice answers: a {@link ProblemType} and a detail make the body (its
 * type, title and status come from the type alone, so they cannot drift apart), and the access line
 * learns the type's slug. The handlers of each family ({@link AuthProblems}, {@link
 * StorageProblems}, {@link DatabaseProblems}, {@link SpringMvcProblems}) answer through here.
 */
final class ProblemResponses {

  /** What describes a content response, and must not describe the problem sent instead. */
  private static final Set<String> CONTENT_HEADERS =
      Set.of(
          "content-length",
          "content-type",
          "content-range",
          "etag",
          "accept-ranges",
          "repr-digest",
          "last-modified");

  private ProblemResponses() {}

  static ResponseEntity<ProblemDetail> problem(ProblemType type, String detail) {
    return ResponseEntity.status(type.status()).body(detail(type, detail));
  }

  static ProblemDetail detail(ProblemType type, String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(type.status(), detail);
    problem.setType(type.uri());
    LogContext.problem(type.slug());
    problem.setTitle(type.title());
    return problem;
  }

  /** A problem the client may send again after {@code Retry-After}. */
  static ResponseEntity<ProblemDetail> retryable(
      ProblemType type, String detail, String retryAfterSeconds) {
    return withHeader(type, detail, HttpHeaders.RETRY_AFTER, retryAfterSeconds);
  }

  static ResponseEntity<ProblemDetail> withHeader(
      ProblemType type, String detail, String header, String value) {
    return ResponseEntity.status(type.status()).header(header, value).body(detail(type, detail));
  }

  /**
   * A failure after a response began (the store failing in the middle of a download): no problem
   * can follow bytes already sent, and one written into them would reach the client as content. The
   * exception goes on to the container, which closes the connection, so the client sees a short
   * body instead of a whole one; {@link AbandonedResponses} logs it, once per window. Before that,
   * the headers of the content that was to be sent (its length, its digest) are dropped, so the
   * problem does not carry them.
   */
  static void abandonIfCommitted(Exception e, HttpServletResponse response) throws Exception {
    if (response.isCommitted()) {
      throw e;
    }
    Map<String, List<String>> kept = new LinkedHashMap<>();
    for (String name : response.getHeaderNames()) {
      if (!CONTENT_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
        kept.put(name, List.copyOf(response.getHeaders(name)));
      }
    }
    response.reset();
    kept.forEach((name, values) -> values.forEach(value -> response.addHeader(name, value)));
  }
}
