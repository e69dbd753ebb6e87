package dev.pt2cache.housekeeping;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One gauge per value of a tag (a namespace, a job), whose values change in place: a series that
 * stays keeps its gauge and takes the new value, a new one is registered, one gone is removed.
 *
 * <p>Written here rather than with Micrometer's {@code MultiGauge}, whose {@code overwrite} removes
 * and registers again every series at each refresh: a Prometheus scrape that lands in between saw
 * the same series twice and failed whole with {@code DuplicateLabelsException}, a 500 that lost
 * every metric of that scrape, or missed the series altogether (micrometer#6851, fixed upstream
 * after the 1.16.6 this build has).
 */
final class TaggedGauges {

  private final MeterRegistry registry;
  private final String name;
  private final String tag;
  private final String description;
  private final String baseUnit;
  private final Map<String, Shown> shown = new HashMap<>();

  private record Shown(AtomicLong bits, Gauge gauge) {}

  TaggedGauges(
      MeterRegistry registry, String name, String tag, String description, String baseUnit) {
    this.registry = registry;
    this.name = name;
    this.tag = tag;
    this.description = description;
    this.baseUnit = baseUnit;
  }

  /** Shows these values, one series per tag value; the series of values not given go. */
  synchronized void show(Map<String, ? extends Number> values) {
    shown
        .entrySet()
        .removeIf(
            e -> {
              boolean gone = !values.containsKey(e.getKey());
              if (gone) {
                registry.remove(e.getValue().gauge());
              }
              return gone;
            });
    values.forEach(
        (value, number) -> {
          long bits = Double.doubleToLongBits(number.doubleValue());
          Shown series = shown.get(value);
          if (series == null) {
            shown.put(value, register(value, bits));
          } else {
            series.bits().set(bits);
          }
        });
  }

  /** A new series, registered with its first value already in place. */
  private Shown register(String value, long first) {
    AtomicLong bits = new AtomicLong(first);
    Gauge gauge =
        Gauge.builder(name, bits, b -> Double.longBitsToDouble(b.get()))
            .description(description)
            .baseUnit(baseUnit)
            .tag(tag, value)
            .strongReference(true)
            .register(registry);
    return new Shown(bits, gauge);
  }
}
