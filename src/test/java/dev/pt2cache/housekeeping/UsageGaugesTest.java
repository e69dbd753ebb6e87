package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.pt2cache.namespace.NamespaceDefaults;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The usage behind the gauges is an aggregate over every ready artifact: a fleet computes it about
 * once per interval, and every instance shows what the last computation found.
 */
class UsageGaugesTest extends ServiceTest {

  @Autowired NamespaceDefaults defaults;
  @Autowired HousekeepingProperties housekeeping;

  @Test
  void shouldShowTheUsageAnotherInstanceComputedWithoutComputingItAgain() {
    uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), Fixtures.randomBytes(2345));
    // another instance, on a 60 s interval; this context's own gauges compute every 200 ms
    MeterRegistry registry = new SimpleMeterRegistry();
    UsageGauges other =
        new UsageGauges(jdbc, registry, defaults, Duration.ofSeconds(60), housekeeping);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              other.refresh();
              assertThat(gauge(registry, "pt2cache.namespace.artifacts")).isEqualTo(1);
              assertThat(gauge(registry, "pt2cache.namespace.stored")).isEqualTo(2345);
            });
    assertThat(other.computeUnlessNewerThan(Duration.ofSeconds(30)))
        .as("this context's instance computed it less than 30 s ago")
        .isFalse();
    assertThat(other.computeUnlessNewerThan(Duration.ZERO)).isTrue();
    other.refresh();
    assertThat(registry.get("pt2cache.namespace.usage.computed").gauge().value())
        .as("when it was computed, which tells gauges gone stale")
        .isCloseTo(System.currentTimeMillis() / 1000.0, within(30.0));
  }

  private double gauge(MeterRegistry registry, String name) {
    var gauge = registry.find(name).tag("namespace", ns).gauge();
    return gauge == null ? -1 : gauge.value();
  }
}
