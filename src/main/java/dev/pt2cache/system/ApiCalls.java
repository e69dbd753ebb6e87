package dev.pt2cache.system;

import jakarta.servlet.http.HttpServletRequest;

/**
 * What the request filters ask of a request. Which requests are API calls: those whose path,
 * decoded, is under {@code /v1/}, as Spring MVC matches it. The path as sent ({@code
 * getRequestURI()}) is not decoded, so a call to {@code /%761/namespaces/...} reached its operation
 * and got past every check made of API calls alone, its access line and {@code X-Request-Id}
 * included.
 */
final class ApiCalls {

  private ApiCalls() {}

  static boolean isApiCall(HttpServletRequest request) {
    return request.getServletPath().startsWith("/v1/");
  }

  /**
   * Whether the request sends a body: a length above zero, or one sent in chunks. One without has
   * nothing to decode, whatever charset or coding its headers name.
   */
  static boolean hasBody(HttpServletRequest request) {
    return request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null;
  }
}
