package dev.pt2cache.system;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collection;
import org.springframework.stereotype.Component;

/**
 * API requests answered with a problem, by its type ({@code pt2cache_problems_total}). The types
 * are known before any request, so each series is there at 0 from the start: a series born at 1
 * with its first problem gives {@code increase()} nothing to compare, and an alert over it would
 * miss that problem (docs/adr/0027).
 */
@Component
public class ProblemCounts {

  private final MeterRegistry registry;

  ProblemCounts(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Registers the series of each of {@code types} (the problem types' slugs) at 0. */
  public void expect(Collection<String> types) {
    types.forEach(this::counter);
  }

  void count(String type) {
    counter(type).increment();
  }

  private Counter counter(String type) {
    return Counter.builder("pt2cache.problems")
        .description("API requests answered with a problem, by its type")
        .tag("type", type)
        .register(registry);
  }
}
