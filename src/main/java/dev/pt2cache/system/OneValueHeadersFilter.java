package dev.pt2cache.system;

import jakarta.servlet.FilterChain;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Enumeration;
import java.util.List;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * An API call that gives a header of one value more than once is refused ({@code 400
 * invalid-request}, naming the header), before anything reads it. The servlet API hands out the
 * first: a JSON body sent as {@code Content-Type: application/json} and {@code Content-Type:
 * text/plain} was read as JSON, and the same two the other way round refused, where a proxy or an
 * audit tool in front may read the last. HTTP lets a sender repeat only a header whose value is a
 * list (RFC 9110 5.3); which of two values a request meant is not the service's to choose. {@code
 * Authorization} is checked where it is read ({@code AccessInterceptor}).
 */
@Component
@Order(FilterOrder.ONE_VALUE_HEADERS)
class OneValueHeadersFilter extends OncePerRequestFilter {

  /**
   * Content-Type, and the contract's own headers of one value, which Spring MVC hands an operation
   * joined by a comma: two Idempotency-Keys {@code a} and {@code b} were the key {@code a,b}.
   */
  private static final List<String> ONE_VALUE =
      List.of(
          HttpHeaders.CONTENT_TYPE, "Idempotency-Key", "X-Content-SHA256", "X-Pt2cache-Descriptor");

  /** Not an API call, or one that gives each such header once at most. */
  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return !ApiCalls.isApiCall(request) || givenTwice(request) == null;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException {
    FilterProblems.write(
        response,
        HttpServletResponse.SC_BAD_REQUEST,
        "invalid-request",
        "Invalid request",
        "send one "
            + givenTwice(request)
            + " header: this request has more than one, and which of their values it meant is"
            + " not the service's to choose");
  }

  /** The first header of one value that the request gives more than once, or null. */
  private static String givenTwice(HttpServletRequest request) {
    for (String name : ONE_VALUE) {
      Enumeration<String> values = request.getHeaders(name);
      if (values != null && values.hasMoreElements()) {
        values.nextElement();
        if (values.hasMoreElements()) {
          return name;
        }
      }
    }
    return null;
  }
}
