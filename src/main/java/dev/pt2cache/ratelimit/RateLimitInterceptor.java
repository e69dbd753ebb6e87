package dev.pt2cache.ratelimit;

import dev.pt2cache.system.ApiHandlers;
import dev.pt2cache.system.Caller;
import dev.pt2cache.system.WarmupRequests;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Holds each caller of the API to its request rate, after its token was checked and before the body
 * is read. The caller is the token's name. Where the service asks for no token, every caller is
 * one, {@code anonymous}: an address would be the proxy's behind a balancer, or the client's own
 * claim in a forwarded header. Actuator, Swagger UI and error pages are not API calls and are never
 * limited.
 */
class RateLimitInterceptor implements HandlerInterceptor {

  private final RateLimits limits;
  private final MeterRegistry metrics;
  private final WarmupRequests warmup;
  private final Set<String> registered = ConcurrentHashMap.newKeySet();

  RateLimitInterceptor(RateLimits limits, MeterRegistry metrics, WarmupRequests warmup) {
    this.limits = limits;
    this.metrics = metrics;
    this.warmup = warmup;
    limits.onForgotten(this::forget);
  }

  /**
   * A caller's series goes with its bucket: tokens made per CI run called with a new name each
   * time, and each name kept a series until the instance restarted. Its refusals were all scraped
   * meanwhile (it made no call for the bucket's idle time); a later call shows it again at 0.
   */
  private void forget(String token) {
    registered.remove(token);
    Counter counter = metrics.find("pt2cache.rate.limited").tag("token", token).counter();
    if (counter != null) {
      metrics.remove(counter);
    }
  }

  @Override
  public boolean preHandle(
      HttpServletRequest request, HttpServletResponse response, Object handler) {
    // an async or error dispatch of a call already admitted is not another call
    // the instance's own warm-up before readiness is nobody's call (docs/adr/0034)
    if (request.getDispatcherType() != DispatcherType.REQUEST
        || !ApiHandlers.isApi(handler)
        || warmup.isWarmup(request)) {
      return true;
    }
    String token = Caller.tokenName();
    // the caller's series is there, at 0, from its first call: callers are not known in advance,
    // but a refusal comes only after calls, so increase() sees one a scrape after the first call.
    // Registered once per caller, not on each call
    if (registered.add(token)) {
      refusals(token);
    }
    try {
      limits.admit(token);
    } catch (RateLimitedException e) {
      refusals(token).increment();
      throw e;
    }
    return true;
  }

  private Counter refusals(String token) {
    return Counter.builder("pt2cache.rate.limited")
        .description("API calls refused because their caller went over its request rate")
        .tag("token", token)
        .register(metrics);
  }
}
