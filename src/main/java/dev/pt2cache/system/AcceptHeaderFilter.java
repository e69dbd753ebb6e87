package dev.pt2cache.system;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.accept.HeaderContentNegotiationStrategy;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * An API call whose {@code Accept} header cannot be parsed ({@code garbage///}, {@code
 * text/html;q=x}) is answered {@code 406 not-acceptable} as a problem, here. Left to Spring MVC, it
 * failed content negotiation twice: once choosing the handler (a 406) and again writing the
 * problem, which Spring then drops, so every such call, a 401 or a 404 included, got a 406 with no
 * body and no type. The header is parsed by the strategy Spring MVC itself uses, so the two cannot
 * disagree.
 */
@Component
@Order(FilterOrder.ACCEPT_HEADER)
class AcceptHeaderFilter extends OncePerRequestFilter {

  private static final HeaderContentNegotiationStrategy ACCEPT =
      new HeaderContentNegotiationStrategy();

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return !ApiCalls.isApiCall(request) || request.getHeader("Accept") == null;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    try {
      ACCEPT.resolveMediaTypes(new ServletWebRequest(request));
    } catch (HttpMediaTypeNotAcceptableException unparseable) {
      FilterProblems.write(
          response,
          HttpServletResponse.SC_NOT_ACCEPTABLE,
          "not-acceptable",
          "Not acceptable",
          "the Accept header cannot be parsed as media types: send application/json, or leave it"
              + " out");
      return;
    }
    chain.doFilter(request, response);
  }
}
