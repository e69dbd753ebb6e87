package dev.pt2cache.system;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * One structured access line per API request, carrying the request id and whatever the request
 * touched ({@link LogContext}), the problem's type included, and the client's {@code User-Agent};
 * echoes the request id as {@code X-Request-Id}. Counts the problems by type ({@code
 * pt2cache_problems_total}): a 503's status alone does not say whether the store, the database or a
 * bound refused.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class RequestLogFilter extends OncePerRequestFilter {

  static final String REQUEST_ID_HEADER = "X-Request-Id";
  public static final String REQUEST_ID = "requestId";

  /** Which client made the call (pt2cache-python/x.y.z python/3.a.b); cut, for the log's sake. */
  static final String USER_AGENT = "userAgent";

  private static final int USER_AGENT_LOGGED = 200;
  private static final Pattern SAFE_REQUEST_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Pattern NAMESPACE_PATH =
      Pattern.compile("^/v1/namespaces/([a-z0-9-]{1,63})(/|$)");
  private static final Logger log = LoggerFactory.getLogger(RequestLogFilter.class);

  private final ProblemCounts problems;
  private final WarmupRequests warmup;

  RequestLogFilter(ProblemCounts problems, WarmupRequests warmup) {
    this.problems = problems;
    this.warmup = warmup;
  }

  /** Not the API's, or the instance's own warm-up before readiness: no access line, no count. */
  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return !ApiCalls.isApiCall(request) || warmup.isWarmup(request);
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    long started = System.nanoTime();
    String requestId = requestId(request);
    MDC.clear(); // whatever an earlier request left on this thread is not this one's
    MDC.put(REQUEST_ID, requestId);
    response.setHeader(REQUEST_ID_HEADER, requestId);
    // the path as routed (decoded, parameters dropped): a call a filter refuses names its namespace
    Matcher namespace = NAMESPACE_PATH.matcher(request.getServletPath());
    if (namespace.find()) {
      LogContext.namespace(namespace.group(1));
    }
    try {
      chain.doFilter(request, response);
    } finally {
      MDC.put("httpMethod", request.getMethod());
      MDC.put("httpPath", request.getRequestURI());
      MDC.put("httpStatus", Integer.toString(response.getStatus()));
      MDC.put("durationMs", Long.toString((System.nanoTime() - started) / 1_000_000));
      String agent = request.getHeader(HttpHeaders.USER_AGENT);
      if (agent != null) {
        MDC.put(USER_AGENT, agent.substring(0, Math.min(agent.length(), USER_AGENT_LOGGED)));
      }
      String cutShort = MDC.get(LogContext.CUT_SHORT);
      if (cutShort == null) {
        log.info("{} {} -> {}", request.getMethod(), request.getRequestURI(), response.getStatus());
      } else {
        log.info(
            "{} {} -> {}, cut short: {}",
            request.getMethod(),
            request.getRequestURI(),
            response.getStatus(),
            cutShort);
      }
      countProblem(MDC.get(LogContext.PROBLEM_TYPE));
      MDC.clear();
    }
  }

  private void countProblem(String type) {
    if (type != null) {
      problems.count(type);
    }
  }

  private static String requestId(HttpServletRequest request) {
    String given = request.getHeader(REQUEST_ID_HEADER);
    return given != null && SAFE_REQUEST_ID.matcher(given).matches()
        ? given
        : UUID.randomUUID().toString();
  }
}
