package dev.pt2cache.blob;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.core.metrics.CoreMetric;
import software.amazon.awssdk.http.HttpMetric;
import software.amazon.awssdk.metrics.MetricCollection;
import software.amazon.awssdk.metrics.MetricPublisher;

/**
 * The store's side of the service's latency: each call the SDK makes, timed by operation, client
 * (downloads, uploads, control) and outcome, with its retries and the errors of its attempts (a 404
 * is an answer, not an error: the service asks whether objects exist; nor is an attempt that found
 * no free connection, {@code busy}). A download's time is the store's until its answer begins (the
 * body is streamed afterwards), an upload's until the store has taken the bytes. The SDK publishes
 * one collection per call, on the calling thread.
 */
final class StoreCallMetrics implements MetricPublisher {

  /**
   * The values the SDK gives {@code CoreMetric.ERROR_TYPE} (its internal {@code SdkErrorType}, SDK
   * 2.57), known before any error, so each has its series from an operation's first call.
   */
  static final List<String> ERROR_TYPES =
      List.of("Throttling", "ServerError", "ConfiguredTimeout", "IO", "Other");

  private final MeterRegistry registry;
  private final String client;
  private final Duration connectionWait;
  private final Set<String> registered = ConcurrentHashMap.newKeySet();

  /**
   * @param connectionWait how long the client's HTTP pool lets a call wait for a connection: an
   *     attempt that waited that long and got no answer found none ({@code busy})
   */
  StoreCallMetrics(MeterRegistry registry, String client, Duration connectionWait) {
    this.registry = registry;
    this.client = client;
    // the SDK gives the pool whole milliseconds, and the pool gives up after those
    this.connectionWait = Duration.ofMillis(connectionWait.toMillis());
  }

  @Override
  public void publish(MetricCollection call) {
    String operation = first(call.metricValues(CoreMetric.OPERATION_NAME), "unknown");
    Duration took = first(call.metricValues(CoreMetric.API_CALL_DURATION), null);
    if (took != null) {
      Timer.builder("pt2cache.store.calls")
          .description("Calls to the object store, by operation, client and outcome")
          .tags("operation", operation, "client", client)
          .tag("outcome", outcome(call))
          .register(registry)
          .record(took);
    }
    // every series an operation of this client may count is there, at 0, from its first call, so
    // increase() sees the first retry or error of a later call (docs/adr/0027); registered once,
    // not on each call
    if (registered.add(operation)) {
      retries(operation);
      ERROR_TYPES.forEach(type -> errors(operation, type));
    }
    int retries = first(call.metricValues(CoreMetric.RETRY_COUNT), 0);
    if (retries > 0) {
      retries(operation).increment(retries);
    }
    call.children().stream()
        .filter(attempt -> !notFound(attempt) && !noConnection(attempt))
        .flatMap(attempt -> attempt.metricValues(CoreMetric.ERROR_TYPE).stream())
        .forEach(error -> errors(operation, error).increment());
  }

  private Counter retries(String operation) {
    return counter("pt2cache.store.retries", "Attempts the SDK made again", operation, List.of());
  }

  private Counter errors(String operation, String type) {
    return counter(
        "pt2cache.store.errors",
        "Failed attempts of store calls, by the SDK's error type (Throttling, ServerError,"
            + " ConfiguredTimeout, IO, Other)",
        operation,
        List.of(Tag.of("type", type)));
  }

  /**
   * {@code success}, {@code not-found}, {@code busy} or {@code failure}. The SDK calls a 404 a
   * failed call, but the service asks whether objects exist (its commits, a fresh bucket's marker):
   * those answers are no failure of the store. Nor is a call whose last attempt found no free
   * connection in this instance's pool: the store was never asked.
   */
  private String outcome(MetricCollection call) {
    if (first(call.metricValues(CoreMetric.API_CALL_SUCCESSFUL), false)) {
      return "success";
    }
    List<MetricCollection> attempts = call.children();
    if (attempts.isEmpty()) {
      return "failure";
    }
    MetricCollection last = attempts.get(attempts.size() - 1);
    if (notFound(last)) {
      return "not-found";
    }
    return noConnection(last) ? "busy" : "failure";
  }

  /**
   * Whether {@code attempt} ended waiting for a pooled connection. The SDK reports it as any I/O
   * failure ({@code ErrorType} {@code IO}, no status); what tells it apart is the HTTP client's
   * {@code ConcurrencyAcquireDuration}, the whole pool wait (2.501 s of a 2.5 s wait, measured),
   * where a store that refuses connections leaves it at microseconds.
   */
  private boolean noConnection(MetricCollection attempt) {
    if (!attempt.metricValues(HttpMetric.HTTP_STATUS_CODE).isEmpty()) {
      return false;
    }
    return attempt.children().stream()
        .flatMap(http -> http.metricValues(HttpMetric.CONCURRENCY_ACQUIRE_DURATION).stream())
        .anyMatch(waited -> waited.compareTo(connectionWait) >= 0);
  }

  private static boolean notFound(MetricCollection attempt) {
    return first(attempt.metricValues(HttpMetric.HTTP_STATUS_CODE), 0) == 404;
  }

  private Counter counter(String name, String description, String operation, List<Tag> more) {
    return Counter.builder(name)
        .description(description)
        .tags("operation", operation, "client", client)
        .tags(more)
        .register(registry);
  }

  private static <T> T first(List<T> values, T otherwise) {
    return values.isEmpty() ? otherwise : values.get(0);
  }

  @Override
  public void close() {
    // nothing held: the meters belong to the registry
  }
}
