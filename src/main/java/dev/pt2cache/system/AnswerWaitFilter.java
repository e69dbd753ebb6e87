package dev.pt2cache.system;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Marks a request's thread for as long as it serves the request, so that the database connections
 * it takes (its token's check included) wait for PostgreSQL's answers at most {@code
 * PT2CACHE_DB_ANSWER_WAIT} ({@link AnswerWait}).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class AnswerWaitFilter extends OncePerRequestFilter {

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    AnswerWait.requestStarted();
    try {
      chain.doFilter(request, response);
    } finally {
      AnswerWait.requestEnded();
    }
  }
}
