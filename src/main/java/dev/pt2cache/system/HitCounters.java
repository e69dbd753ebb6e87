package dev.pt2cache.system;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counters of reads by {@code result} ({@code hit} or {@code miss}), per namespace and kind. The
 * first read of a namespace and kind registers both results, so a ratio of hits to reads has its
 * numerator: a namespace whose reads all missed since the instance started (a torch upgrade rolled
 * out with it) would otherwise export no hit series, and PromQL, finding nothing to divide, would
 * leave the alert for exactly that case silent (docs/alerts.yaml, Pt2cacheHitRatioLow).
 */
public final class HitCounters {

  private final MeterRegistry registry;
  private final String name;
  private final String description;
  private final Set<String> registered = ConcurrentHashMap.newKeySet();

  public HitCounters(MeterRegistry registry, String name, String description) {
    this.registry = registry;
    this.name = name;
    this.description = description;
  }

  /** Counts one read of {@code kind} in {@code namespace}; the other result's series is there. */
  public void count(String namespace, String kind, boolean hit) {
    if (registered.add(namespace + "/" + kind)) { // once, not on each read
      counter(namespace, kind, hit ? "miss" : "hit");
    }
    counter(namespace, kind, hit ? "hit" : "miss").increment();
  }

  private Counter counter(String namespace, String kind, String result) {
    return Counter.builder(name)
        .description(description)
        .tag("namespace", namespace)
        .tag("kind", kind)
        .tag("result", result)
        .register(registry);
  }
}
