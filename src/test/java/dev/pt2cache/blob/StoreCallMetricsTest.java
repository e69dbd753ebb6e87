package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.internal.metrics.SdkErrorType;
import software.amazon.awssdk.core.metrics.CoreMetric;
import software.amazon.awssdk.http.HttpMetric;
import software.amazon.awssdk.metrics.MetricCollector;

/** What the SDK reports of each store call, as the service's metrics keep it. */
class StoreCallMetricsTest {

  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final StoreCallMetrics metrics =
      new StoreCallMetrics(registry, "downloads", Duration.ofSeconds(10));

  @Test
  void shouldTimeEachCallByOperationAndOutcomeAndCountItsRetriesAndErrors() {
    metrics.publish(call("GetObject", true, 40, 0));
    metrics.publish(call("GetObject", false, 900, 2, "ServerError", "ServerError", "IO"));

    var succeeded =
        registry.get("pt2cache.store.calls").tags("operation", "GetObject", "client", "downloads");
    assertThat(succeeded.tag("outcome", "success").timer().count()).isEqualTo(1);
    assertThat(succeeded.tag("outcome", "success").timer().totalTime(TimeUnit.MILLISECONDS))
        .isEqualTo(40);
    assertThat(registry.get("pt2cache.store.calls").tag("outcome", "failure").timer().count())
        .isEqualTo(1);
    assertThat(registry.get("pt2cache.store.retries").counter().count()).isEqualTo(2);
    assertThat(registry.get("pt2cache.store.errors").tag("type", "ServerError").counter().count())
        .isEqualTo(2);
    assertThat(registry.get("pt2cache.store.errors").tag("type", "IO").counter().count())
        .isEqualTo(1);
  }

  /** The service asks whether objects exist: a 404 is an answer, not a failure of the store. */
  @Test
  void shouldKnowEveryErrorTypeTheSdkReports() {
    // an SDK upgrade that adds a type would leave its series born with its first error
    assertThat(StoreCallMetrics.ERROR_TYPES)
        .containsExactlyInAnyOrderElementsOf(
            Arrays.stream(SdkErrorType.values()).map(SdkErrorType::toString).toList());
  }

  @Test
  void shouldTellANotFoundAnswerFromAFailure() {
    MetricCollector head = MetricCollector.create("ApiCall");
    head.reportMetric(CoreMetric.OPERATION_NAME, "HeadObject");
    head.reportMetric(CoreMetric.API_CALL_SUCCESSFUL, false);
    head.reportMetric(CoreMetric.API_CALL_DURATION, Duration.ofMillis(3));
    MetricCollector attempt = head.createChild("ApiCallAttempt");
    attempt.reportMetric(HttpMetric.HTTP_STATUS_CODE, 404);
    attempt.reportMetric(CoreMetric.ERROR_TYPE, "ClientError");

    metrics.publish(head.collect());

    assertThat(registry.get("pt2cache.store.calls").tag("outcome", "not-found").timer().count())
        .isEqualTo(1);
    assertThat(registry.find("pt2cache.store.calls").tag("outcome", "failure").timer()).isNull();
    // a 404 is no error: its series are there at 0 (for a later call's errors), none counted
    assertThat(registry.find("pt2cache.store.errors").counters())
        .hasSize(StoreCallMetrics.ERROR_TYPES.size())
        .allSatisfy(errors -> assertThat(errors.count()).isZero());
  }

  /**
   * As the SDK reports a call that found no free connection (recorded against S3Proxy with every
   * control connection held): one attempt, an I/O error, no status, the pool's whole wait.
   */
  @Test
  void shouldTellACallThatFoundNoConnectionFromAStoreThatFailed() {
    metrics.publish(ioFailure(Duration.ofMillis(10_001)));
    metrics.publish(ioFailure(Duration.ofNanos(46_139)));

    assertThat(registry.get("pt2cache.store.calls").tag("outcome", "busy").timer().count())
        .isEqualTo(1);
    assertThat(registry.get("pt2cache.store.calls").tag("outcome", "failure").timer().count())
        .isEqualTo(1);
    // only the store's failure is an error of the store
    assertThat(registry.get("pt2cache.store.errors").tag("type", "IO").counter().count())
        .isEqualTo(1);
  }

  /**
   * The pool waits whole milliseconds (the SDK truncates the wait it is given): with
   * PT2CACHE_S3_CONTROL_TIMEOUT=5001ms the control pool's wait is 2,500.5 ms and the pool gives up
   * after 2,500 ms; a call that found no connection then read as the store's failure.
   */
  @Test
  void shouldCountThePoolsWholeMillisecondsAsItsWait() {
    SimpleMeterRegistry control = new SimpleMeterRegistry();
    new StoreCallMetrics(control, "control", Duration.ofNanos(2_500_500_000L))
        .publish(ioFailure(Duration.ofNanos(2_500_300_000L)));

    assertThat(control.get("pt2cache.store.calls").tag("outcome", "busy").timer().count())
        .isEqualTo(1);
  }

  private static software.amazon.awssdk.metrics.MetricCollection ioFailure(Duration acquire) {
    MetricCollector call = MetricCollector.create("ApiCall");
    call.reportMetric(CoreMetric.OPERATION_NAME, "HeadObject");
    call.reportMetric(CoreMetric.API_CALL_SUCCESSFUL, false);
    call.reportMetric(CoreMetric.API_CALL_DURATION, acquire);
    MetricCollector attempt = call.createChild("ApiCallAttempt");
    attempt.reportMetric(CoreMetric.ERROR_TYPE, "IO");
    attempt
        .createChild("HttpClient")
        .reportMetric(HttpMetric.CONCURRENCY_ACQUIRE_DURATION, acquire);
    return call.collect();
  }

  private static software.amazon.awssdk.metrics.MetricCollection call(
      String operation, boolean succeeded, long millis, int retries, String... attemptErrors) {
    MetricCollector call = MetricCollector.create("ApiCall");
    call.reportMetric(CoreMetric.OPERATION_NAME, operation);
    call.reportMetric(CoreMetric.API_CALL_SUCCESSFUL, succeeded);
    call.reportMetric(CoreMetric.API_CALL_DURATION, Duration.ofMillis(millis));
    call.reportMetric(CoreMetric.RETRY_COUNT, retries);
    for (String error : attemptErrors) {
      call.createChild("ApiCallAttempt").reportMetric(CoreMetric.ERROR_TYPE, error);
    }
    return call.collect();
  }
}
