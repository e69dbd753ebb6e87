package dev.pt2cache.problem;

import dev.pt2cache.system.RecurringFailureLog;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import org.apache.coyote.CloseNowException;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A response that failed after it began (the store ending a download in the middle of its body): no
 * problem can follow the bytes sent, so {@link ApiExceptionHandler} lets the failure go on and the
 * connection is closed, which the client sees as a body short of its length. It is logged here,
 * once per window with how often it recurred since, as any recurring failure is (ADR 0027), and
 * handed to Tomcat as a {@link CloseNowException}, which Tomcat closes the connection for without
 * logging it again. Before, each such download logged two stack traces at ERROR, the handler's and
 * Tomcat's own "Servlet.service() ... threw exception": a store restart under 128 downloads, or
 * readers stalled past the store's idle timeout (S3Proxy's Jetty: 30 s), logged one pair per
 * download.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
class AbandonedResponses extends OncePerRequestFilter {

  private final RecurringFailureLog failures =
      new RecurringFailureLog(
          LoggerFactory.getLogger(AbandonedResponses.class),
          Level.ERROR,
          "response failed after it began; closing the connection",
          Duration.ofSeconds(10));

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    try {
      chain.doFilter(request, response);
    } catch (ServletException | IOException | RuntimeException e) {
      if (!response.isCommitted()) {
        throw e;
      }
      failures.failed(e);
      throw new CloseNowException(String.valueOf(e.getMessage()), e);
    }
  }
}
