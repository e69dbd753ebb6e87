package dev.pt2cache.problem;

import dev.pt2cache.artifact.ContentMissingException;
import dev.pt2cache.blob.StorageUnavailableException;
import dev.pt2cache.system.Causes;
import dev.pt2cache.system.LogContext;
import dev.pt2cache.system.RecurringFailureLog;
import jakarta.servlet.FilterChain;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import org.apache.coyote.CloseNowException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.DisconnectedClientHelper;

/**
 * A response that failed after it began (the store ending a download in the middle of its body): no
 * problem can follow the bytes sent, so {@link ApiExceptionHandler} lets the failure go on and the
 * connection is closed, which the client sees as a body short of its length. It is logged here,
 * once per window with how often it recurred since, as any recurring failure is (ADR 0027), and
 * handed to Tomcat as a {@link CloseNowException}, which Tomcat closes the connection for without
 * logging it again. Before, each such download logged two stack traces at ERROR, the handler's and
 * Tomcat's own "Servlet.service() ... threw exception": a store restart under 128 downloads, or
 * readers stalled past the store's idle timeout (S3Proxy's Jetty: 30 s), logged one pair per
 * download. Only the store's failures are logged so; any other is unexpected, and logged in full
 * each time. The request's metrics still name what failed ({@code exception} in {@code
 * http_server_requests}), not the {@link CloseNowException}.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
class AbandonedResponses extends OncePerRequestFilter {

  private static final Logger log = LoggerFactory.getLogger(AbandonedResponses.class);

  private final RecurringFailureLog storeFailures =
      new RecurringFailureLog(
          log,
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
      // what the handler saw, not the dispatcher servlet's wrapper ("Request processing failed"),
      // whose stack trace only led to it
      Throwable failure = unwrapped(e);
      LogContext.cutShort(failure);
      if (fromTheStore(e)) {
        storeFailures.failed(failure);
      } else if (DisconnectedClientHelper.isClientDisconnectedException(e)) {
        log.debug("client went away: {}", e.getMessage()); // as the handler logs it
      } else {
        log.error("unexpected failure after the response began; closing the connection", failure);
        // a bug, as a 500 is before a response begins: counted, so that the alert on
        // internal-error sees it (its status still reads 200)
        LogContext.problem(ProblemType.INTERNAL_ERROR.slug());
      }
      // the request's metrics (http_server_requests) tag what failed, not the means of closing:
      // the observation filter outside this one takes the request's error exception over the
      // one it catches
      request.setAttribute(RequestDispatcher.ERROR_EXCEPTION, failure);
      throw new CloseNowException(String.valueOf(e.getMessage()), e);
    }
  }

  /**
   * The store failing or its content found missing or damaged: what recurs with every download
   * while it lasts. Anything else (a bug) is logged in full each time, as it is before a response
   * begins: counted in a store failure's window, it went unseen while the store failed too.
   */
  private static boolean fromTheStore(Throwable e) {
    for (Throwable cause : Causes.chain(e)) {
      if (cause instanceof StorageUnavailableException
          || cause instanceof ContentMissingException) {
        return true;
      }
    }
    return false;
  }

  /** What the dispatcher servlet wrapped in a {@link ServletException}, as the handler saw it. */
  private static Throwable unwrapped(Exception e) {
    return e instanceof ServletException wrapper && wrapper.getCause() != null
        ? wrapper.getCause()
        : e;
  }
}
