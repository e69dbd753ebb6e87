package dev.pt2cache.system;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * A path with parameters in a segment ({@code ;v=2}, {@code ;jsessionid=...}) is refused ({@code
 * 400 invalid-request}). Tomcat removes them before anything else sees the path, so {@code PUT
 * .../entries/fx-graph/abc;v=2} stored an entry under {@code abc}, a key the caller did not send,
 * and {@code /v1/namespaces;x=1/...} reached the namespace. No name, key or id the contract allows
 * holds a semicolon; one sent encoded ({@code %3B}) stays in the value and is refused there.
 */
@Component
@Order(FilterOrder.PATH_PARAMETERS)
class PathParametersFilter extends RefusingFilter {

  PathParametersFilter() {
    super(
        HttpServletResponse.SC_BAD_REQUEST,
        "invalid-request",
        "Invalid request",
        "the path has a parameter (a ';' in a segment), which no path of this API takes: send the"
            + " path without it");
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return request.getRequestURI().indexOf(';') < 0;
  }
}
