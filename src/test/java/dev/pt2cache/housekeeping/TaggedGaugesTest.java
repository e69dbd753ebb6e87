package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Per-namespace gauges as a Prometheus scrape reads them while they are refreshed: every series
 * once, in every scrape. With {@code MultiGauge}'s overwrite a scrape that met a refresh failed
 * whole ({@code DuplicateLabelsException}, a 500 on {@code /actuator/prometheus}) or missed series.
 */
class TaggedGaugesTest {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final TaggedGauges gauges =
      new TaggedGauges(registry, "probe.stored", "namespace", "Bytes per namespace", "bytes");

  @Test
  void shouldShowNewValuesAddNewSeriesAndDropThoseGone() {
    gauges.show(Map.of("a", 1, "b", 2));
    gauges.show(Map.of("b", 5, "c", 7.5));

    assertThat(series(registry.scrape())).isEqualTo(Map.of("b", List.of(5.0), "c", List.of(7.5)));
  }

  @Test
  void shouldShowEverySeriesOnceInEveryScrapeWhileRefreshed() throws Exception {
    Map<String, Number> first = new TreeMap<>();
    Map<String, Number> second = new TreeMap<>();
    for (int i = 0; i < 200; i++) {
      first.put("namespace-" + i, i);
      second.put("namespace-" + i, i + 1000);
    }
    gauges.show(first);
    AtomicBoolean scraping = new AtomicBoolean(true);
    CompletableFuture<Void> refreshing =
        CompletableFuture.runAsync(
            () -> {
              for (int round = 0; scraping.get(); round++) {
                gauges.show(round % 2 == 0 ? second : first);
              }
            });
    List<String> faults = new ArrayList<>();
    try {
      for (int scrape = 0; scrape < 300 && faults.isEmpty(); scrape++) {
        try {
          Map<String, List<Double>> seen = series(registry.scrape());
          if (seen.size() != 200 || seen.values().stream().anyMatch(v -> v.size() != 1)) {
            faults.add(
                "scrape %d: %d series, some more than once or missing"
                    .formatted(scrape, seen.size()));
          }
        } catch (RuntimeException e) {
          faults.add("scrape %d failed: %s".formatted(scrape, e));
        }
      }
    } finally {
      scraping.set(false);
      refreshing.get();
    }

    assertThat(faults).isEmpty();
  }

  private static final Pattern SAMPLE =
      Pattern.compile("^probe_stored_bytes\\{namespace=\"([^\"]+)\"} (\\S+)$", Pattern.MULTILINE);

  private static Map<String, List<Double>> series(String scrape) {
    Map<String, List<Double>> seen = new TreeMap<>();
    Matcher m = SAMPLE.matcher(scrape);
    while (m.find()) {
      seen.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(Double.parseDouble(m.group(2)));
    }
    return seen;
  }
}
