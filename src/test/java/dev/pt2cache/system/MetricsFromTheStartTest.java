package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What an operator alerts on from the first minute: a counter whose series is born with its first
 * event, at 1, gives {@code increase()} nothing to compare, so the alert misses that event, often
 * the only one; and a family without a HELP text leaves the operator guessing what it counts.
 */
class MetricsFromTheStartTest extends ServiceTest {

  @Test
  void shouldDescribeEveryFamilyInItsHelpLine() {
    String scraped = api.get("/actuator/prometheus").text();
    Matcher help = Pattern.compile("(?m)^# HELP (pt2cache_\\w+)(.*)$").matcher(scraped);
    List<String> undescribed = new ArrayList<>();
    int families = 0;
    while (help.find()) {
      families++;
      if (help.group(2).isBlank()) {
        undescribed.add(help.group(1));
      }
    }
    assertThat(families).isGreaterThan(20);
    assertThat(undescribed).isEmpty();
  }

  @Test
  void shouldExportEveryProblemTypeAtZeroBeforeItsFirst() {
    String scraped = api.get("/actuator/prometheus").text();
    // causes that the tests sharing this context seldom or never bring about, so each series is
    // there before its first problem (at 0, or at what a test before this one caused: the walks
    // of this context meet storage-race)
    for (String type : List.of("invalidations-busy", "spool-unavailable", "storage-race")) {
      assertThat(scraped)
          .containsPattern("pt2cache_problems_total\\{[^}]*type=\"" + type + "\"[^}]*} [0-9.E+]+");
    }
  }

  @Test
  void shouldExportPurgeCountsOnEveryInstanceFromTheStart() {
    String scraped = api.get("/actuator/prometheus").text();
    for (String what :
        List.of(
            "purged_artifacts",
            "expired_reservations",
            "deleted_blobs",
            "deleted_invalidations",
            "deleted_tokens",
            "aborted_multipart_uploads")) {
      assertThat(scraped).containsPattern("(?m)^pt2cache_housekeeping_" + what + "_total\\{");
    }
  }

  @Test
  void shouldExportStoreRetriesAndErrorsOfAnOperationFromItsFirstCall() {
    uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), Fixtures.randomBytes(10));
    String scraped = api.get("/actuator/prometheus").text();
    String putObject = ".*client=\"uploads\",operation=\"PutObject\"";
    assertThat(scraped).containsPattern("pt2cache_store_retries_total\\{" + putObject + "}");
    for (String type : List.of("Throttling", "ServerError", "ConfiguredTimeout", "IO", "Other")) {
      assertThat(scraped)
          .containsPattern(
              "pt2cache_store_errors_total\\{" + putObject + ",type=\"" + type + "\"}");
    }
  }
}
