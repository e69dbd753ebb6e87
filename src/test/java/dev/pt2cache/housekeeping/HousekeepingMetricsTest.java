package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** What an operator alerts on for housekeeping, as Prometheus scrapes it. */
class HousekeepingMetricsTest extends ServiceTest {

  @Autowired MeterRegistry registry;

  @Test
  void shouldTellWhenEachJobLastSucceededAnywhereAndCountRunsByOutcome() {
    long before = runs("purge", "success");
    Instant ran = Instant.now();
    runJob("purge");

    assertThat(runs("purge", "success")).isEqualTo(before + 1);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(
                        metric(
                            "pt2cache_housekeeping_last_success_seconds",
                            "[^}]*job=\"purge\"[^}]*"))
                    .isGreaterThanOrEqualTo(ran.getEpochSecond() - 1));
  }

  /** What the bucket holds, each content once, as the last purge counted it. */
  @Test
  void shouldTellWhatTheBucketHoldsEachContentOnce() {
    byte[] shared = Fixtures.randomBytes(3000);
    uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), shared);
    uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), shared); // the same content again

    JsonNode purged = runJob("purge");
    Map<String, Object> blobs =
        jdbc.sql("select count(*) as n, sum(size_bytes) as bytes from blob").query().singleRow();

    assertThat(purged.get("storedContents").asLong()).isEqualTo((Long) blobs.get("n"));
    assertThat(purged.get("storedBytes").asLong())
        .isEqualTo(((Number) blobs.get("bytes")).longValue());
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(metric("pt2cache_bucket_contents", "[^}]*"))
                  .isEqualTo(purged.get("storedContents").asDouble());
              assertThat(metric("pt2cache_bucket_stored_bytes", "[^}]*"))
                  .isEqualTo(purged.get("storedBytes").asDouble());
              assertThat(metric("pt2cache_bucket_measured_seconds", "[^}]*"))
                  .isGreaterThan(Instant.now().getEpochSecond() - 60);
            });
  }

  /** A series that appears with its first event hides that event from increase(). */
  @Test
  void shouldExposeTheSeriesToAlertOnBeforeTheirFirstEvent() {
    String scraped = api.get("/actuator/prometheus").text();
    assertThat(scraped)
        .containsPattern("pt2cache_content_missing_total\\{[^}]*found_by=\"download\"")
        .containsPattern("pt2cache_content_missing_total\\{[^}]*found_by=\"reconciliation\"")
        .containsPattern("pt2cache_housekeeping_reconcile_halted_total\\{")
        .containsPattern("pt2cache_housekeeping_deleted_orphan_objects_total\\{")
        .containsPattern("pt2cache_housekeeping_unrun_total\\{[^}]*job=\"reconcile\"")
        .containsPattern("pt2cache_housekeeping_last_success_seconds\\{[^}]*job=\"retention\"");
  }

  @Test
  void shouldTellAFailedOrHaltedRunFromASuccess() {
    assertThat(HousekeepingMetrics.outcomeOf(Map.of("error", "listing bucket failed")))
        .isEqualTo("failure");
    assertThat(HousekeepingMetrics.outcomeOf(Map.of("halted", "more than 1000 ...")))
        .isEqualTo("halted");
    assertThat(HousekeepingMetrics.outcomeOf(Map.of("blobsDeleted", 3))).isEqualTo("success");
  }

  private long runs(String job, String outcome) {
    return registry
        .find("pt2cache.housekeeping.runs")
        .tags("job", job, "outcome", outcome)
        .timers()
        .stream()
        .mapToLong(Timer::count)
        .sum();
  }
}
