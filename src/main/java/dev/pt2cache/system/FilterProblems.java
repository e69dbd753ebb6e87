package dev.pt2cache.system;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Locale;

/**
 * A problem answered by a servlet filter, before Spring MVC and its exception handlers: the same
 * RFC 9457 members, in UTF-8 as JSON must be (the servlet writer's default is ISO-8859-1). The
 * title and detail are the filter's own constant text, with nothing that needs escaping.
 */
final class FilterProblems {

  private FilterProblems() {}

  static void write(
      HttpServletResponse response, int status, String type, String title, String detail)
      throws IOException {
    response.setStatus(status);
    LogContext.problem(type);
    response.setContentType("application/problem+json");
    response.setCharacterEncoding("UTF-8");
    response
        .getWriter()
        .write(
            String.format(
                Locale.ROOT,
                "{\"type\":\"urn:pt2cache:problem:%s\",\"title\":\"%s\",\"status\":%d,\"detail\":\"%s\"}",
                type,
                title,
                status,
                detail));
  }
}
