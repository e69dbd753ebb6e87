package dev.pt2cache.problem;

import static dev.pt2cache.problem.ProblemResponses.retryable;
import static dev.pt2cache.problem.ProblemResponses.withHeader;

import dev.pt2cache.auth.AccessDeniedException;
import dev.pt2cache.auth.AuthenticationRequiredException;
import dev.pt2cache.auth.TokenChecksBusyException;
import dev.pt2cache.namespace.QuotaChangeForbiddenException;
import dev.pt2cache.ratelimit.RateLimitedException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;

/**
 * Who may call: tokens (RFC 6750 challenges) and the per-caller rate limit. A family of handlers of
 * the one advice, {@link ApiExceptionHandler}, which implements it: one advice, so that Spring
 * picks the handler of the closest exception type among all of them, never one of a wrapped cause
 * (docs/adr/0004).
 */
interface AuthProblems {

  String BEARER = "Bearer realm=\"pt2cache\"";

  /** RFC 6750: the scheme to use, and whether the token that came was refused. */
  @ExceptionHandler
  default ResponseEntity<ProblemDetail> unauthenticated(AuthenticationRequiredException e) {
    String challenge = e.tokenPresented() ? BEARER + ", error=\"invalid_token\"" : BEARER;
    return withHeader(
        ProblemType.UNAUTHENTICATED, e.getMessage(), HttpHeaders.WWW_AUTHENTICATE, challenge);
  }

  @ExceptionHandler({AccessDeniedException.class, QuotaChangeForbiddenException.class})
  default ResponseEntity<ProblemDetail> forbidden(RuntimeException e) {
    return withHeader(
        ProblemType.FORBIDDEN,
        e.getMessage(),
        HttpHeaders.WWW_AUTHENTICATE,
        BEARER + ", error=\"insufficient_scope\"");
  }

  /**
   * No WARN line of its own: a flood of made-up tokens would write one per request. The access line
   * and {@code pt2cache_problems_total{type="token-checks-busy"}} count them.
   */
  @ExceptionHandler
  default ResponseEntity<ProblemDetail> tokenChecksBusy(TokenChecksBusyException e) {
    return retryable(ProblemType.TOKEN_CHECKS_BUSY, e.getMessage(), "1");
  }

  @ExceptionHandler
  default ResponseEntity<ProblemDetail> rateLimited(RateLimitedException e) {
    return retryable(
        ProblemType.RATE_LIMITED, e.getMessage(), String.valueOf(e.retryAfterSeconds()));
  }
}
