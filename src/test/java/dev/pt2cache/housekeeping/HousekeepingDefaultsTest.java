package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

  /** Settings that would delete data at once are refused at start, naming the variable. */
  @Test
  void shouldRefuseSettingsThatWouldDeleteDataAtOnce() {
    Map<String, String> mistakes =
        Map.of(
            "quota-margin", "10", // meant as 10%: would evict all but one artifact
            "grace", "-1h", // would purge under readers
            "purge-interval", "0s",
            "abandoned-upload-age", "0s", // would abort every multipart upload in flight
            // each would delete its whole history at the next purge
            "run-history", "-1d",
            "eviction-history", "-1d",
            "invalidation-history", "-1d",
            "token-history", "-1d");
    mistakes.forEach(
        (name, value) ->
            assertThatThrownBy(() -> bind(name, value))
                .as(name + "=" + value)
                .hasRootCauseInstanceOf(IllegalArgumentException.class)
                .rootCause()
                .hasMessageContaining(name));
    assertThat(bind("quota-margin", "0").quotaMargin()).isZero();
    assertThat(bind("grace", "0s").grace()).isZero();
  }

  /** An interval of zero would run its job back to back: refused at start, naming the setting. */
  @Test
  void shouldRefuseAJobIntervalOrLockOfZero() {
    for (String name :
        new String[] {"retention-interval", "reconcile-interval", "lock-at-most-for"}) {
      assertThatThrownBy(() -> bind(name, "0s"))
          .as(name)
          .hasRootCauseInstanceOf(IllegalArgumentException.class)
          .rootCause()
          .hasMessageContaining(name);
    }
  }

  /**
   * ShedLock's keep-alive refuses a lock under 30 s each time it is asked for one: every round of
   * every job would go unrun. Refused at start, naming the setting.
   */
  @Test
  void shouldRefuseAJobLockTheKeepAliveCannotTake() {
    assertThatThrownBy(() -> bind("lock-at-most-for", "29s"))
        .hasRootCauseInstanceOf(IllegalArgumentException.class)
        .rootCause()
        .hasMessageContaining("PT2CACHE_JOB_LOCK_TIMEOUT");
    assertThat(bind("lock-at-most-for", "30s").lockAtMostFor()).hasSeconds(30);
  }

  /** S3 deletes at most 1,000 objects a request; a batch of none would never collect. */
  @Test
  void shouldRefuseADeleteBatchS3CannotTake() {
    for (String value : new String[] {"0", "1001"}) {
      assertThatThrownBy(() -> bind("delete-batch", value))
          .as(value)
          .hasRootCauseInstanceOf(IllegalArgumentException.class)
          .rootCause()
          .hasMessageContaining("PT2CACHE_DELETE_BATCH");
    }
    assertThat(bind("delete-batch", "1000").deleteBatch()).isEqualTo(1000);
    assertThat(bind("grace", "1h").deleteBatch()).isEqualTo(100);
  }

  private static HousekeepingProperties bind(String name, String value) {
    return new Binder(
            new MapConfigurationPropertySource(Map.of("pt2cache.housekeeping." + name, value)))
        .bindOrCreate("pt2cache.housekeeping", HousekeepingProperties.class);
  }
}
