package dev.pt2cache.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.system.Caller;
import dev.pt2cache.system.WarmupRequests;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.method.HandlerMethod;

/**
 * {@code pt2cache_rate_limited_total{token}}: a series for each token that called. CI pipelines
 * that make a token per run called with thousands of names a day, and every name kept its series
 * (and its place in a set) until the instance restarted. A token whose bucket is forgotten, idle
 * for ten minutes, now takes its series with it; it comes back at 0 with the token's next call.
 */
class RefusalSeriesTest {

  final RateLimitsTest.StoppedClock clock = new RateLimitsTest.StoppedClock();
  final MeterRegistry registry = new SimpleMeterRegistry();
  final RateLimitInterceptor interceptor =
      new RateLimitInterceptor(
          new RateLimits(new RateLimitProperties(100, null), clock),
          registry,
          new WarmupRequests());

  @AfterEach
  void noRequest() {
    RequestContextHolder.resetRequestAttributes();
  }

  @Test
  void shouldDropTheSeriesOfTokensIdleForTenMinutes() throws Exception {
    for (int run = 0; run < 50; run++) {
      call("ci-run-" + run);
    }
    assertThat(series()).isEqualTo(50);

    clock.nanos += TimeUnit.MINUTES.toNanos(11);
    call("fleet");

    assertThat(series()).as("the fleet's, the idle pipelines' gone").isEqualTo(1);
    call("ci-run-7");
    assertThat(registry.find("pt2cache.rate.limited").tag("token", "ci-run-7").counter())
        .as("back at 0 with its next call")
        .isNotNull()
        .extracting(c -> c.count())
        .isEqualTo(0.0);
  }

  private long series() {
    return registry.find("pt2cache.rate.limited").counters().size();
  }

  private void call(String token) throws Exception {
    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/v1/namespaces");
    RequestContextHolder.setRequestAttributes(new ServletRequestAttributes(request));
    Caller.set(request, token, null, false);
    HandlerMethod handler =
        new HandlerMethod(this, RefusalSeriesTest.class.getDeclaredMethod("series"));
    assertThat(interceptor.preHandle(request, new MockHttpServletResponse(), handler)).isTrue();
  }
}
