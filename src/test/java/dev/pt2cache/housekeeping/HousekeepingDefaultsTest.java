package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** What an operator gets without setting anything. */
class HousekeepingDefaultsTest {

  final HousekeepingProperties defaults =
      new Binder(new MapConfigurationPropertySource(Map.of()))
          .bindOrCreate("pt2cache.housekeeping", HousekeepingProperties.class);

  @Test
  void shouldCheckQuotasOftenEnoughToEvictWithinAMinute() {
    // the first run comes at most 30 s after start, the next ones every interval
    assertThat(defaults.retentionInterval()).isLessThanOrEqualTo(Duration.ofSeconds(30));
    assertThat(defaults.enabled()).isTrue();
  }

  @Test
  void shouldLeaveInFlightReadersAndUploadsAGracePeriod() {
    assertThat(defaults.grace()).isEqualTo(Duration.ofHours(1));
    assertThat(defaults.abandonedUploadAge()).isGreaterThan(defaults.grace());
    assertThat(defaults.quotaMargin()).isEqualTo(0.1);
  }
}
