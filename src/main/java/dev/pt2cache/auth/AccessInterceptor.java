package dev.pt2cache.auth;

import dev.pt2cache.system.ApiHandlers;
import dev.pt2cache.system.Caller;
import dev.pt2cache.system.LogContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Enumeration;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.HandlerMapping;

/**
 * Checks the bearer token of every API call against what its operation needs, before the body is
 * read. The operation is the handler method (named by its operationId), the namespace the one in
 * the path: known only once Spring MVC has chosen the handler, hence an interceptor, not a filter.
 * Whether a request is an API call is decided by that handler too (one of the service's own
 * controllers), never by the spelling of the path, so no path trick reaches an operation unchecked.
 */
class AccessInterceptor implements HandlerInterceptor {

  private static final String BEARER = "Bearer ";

  private final Tokens tokens;

  AccessInterceptor(Tokens tokens) {
    this.tokens = tokens;
  }

  @Override
  public boolean preHandle(
      HttpServletRequest request, HttpServletResponse response, Object handler) {
    if (!ApiHandlers.isApi(handler)) {
      return true;
    }
    HandlerMethod method = (HandlerMethod) handler;
    Access needed = Operations.of(method.getMethod().getName());
    String namespace = pathNamespace(request);
    Grant grant = authenticate(onlyAuthorization(request));
    LogContext.token(grant.tokenName());
    Caller.set(request, grant.tokenName(), grant.tokenId(), grant.namespace() == null);
    grant.keepFor(request);
    if (!grant.allows(needed, namespace)) {
      throw new AccessDeniedException(
          "token %s may %s; this needs %s"
              .formatted(grant.tokenName(), grant.describe(), needed.describe(namespace)));
    }
    return true;
  }

  /**
   * The request's one {@code Authorization} header, or null. A request with two is refused ({@code
   * 400 invalid-request}, RFC 6750's {@code invalid_request} for "more than one method for
   * including an access token"): the first was taken, so a valid token followed by a bad one (a
   * client's and a proxy's, say) was served as the first's caller, and the same two the other way
   * round were refused as unknown.
   */
  private static String onlyAuthorization(HttpServletRequest request) {
    Enumeration<String> values = request.getHeaders(HttpHeaders.AUTHORIZATION);
    String first = values.hasMoreElements() ? values.nextElement() : null;
    if (values.hasMoreElements()) {
      throw new InvalidTokenRequestException(
          "send one Authorization header: this request has more than one, and which of their"
              + " tokens it meant is not the service's to choose");
    }
    return first;
  }

  private Grant authenticate(String authorization) {
    if (authorization == null || authorization.isBlank()) {
      throw new AuthenticationRequiredException(
          "this call needs a token: Authorization: Bearer <token>", false);
    }
    if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      // RFC 6750: another scheme is no bearer credential at all, so no error code
      throw new AuthenticationRequiredException(
          "only bearer tokens are accepted: Authorization: Bearer <token>", false);
    }
    return tokens
        .grantFor(authorization.substring(BEARER.length()).strip())
        .orElseThrow(
            () ->
                new AuthenticationRequiredException(
                    "the token is unknown, revoked or expired", true));
  }

  /**
   * The namespace the call is routed to, as Spring MVC decoded it from the path; also put in the
   * log context, for the instance's own warm-up calls, which no access-line filter sees (the filter
   * reads the same namespace from the routed path for every other call).
   */
  @SuppressWarnings("unchecked")
  static String pathNamespace(HttpServletRequest request) {
    Object variables = request.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE);
    String namespace =
        variables instanceof Map<?, ?> map ? ((Map<String, String>) map).get("namespace") : null;
    if (namespace != null) {
      LogContext.namespace(namespace);
    }
    return namespace;
  }
}
