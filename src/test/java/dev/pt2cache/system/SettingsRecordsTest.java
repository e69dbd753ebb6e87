package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.pt2cache.Pt2CacheApplication;
import dev.pt2cache.artifact.UploadProperties;
import dev.pt2cache.blob.StorageProperties;
import dev.pt2cache.housekeeping.HousekeepingProperties;
import dev.pt2cache.ratelimit.RateLimitProperties;
import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.TestInfra;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/** Wrong settings in several records are all named by one start, not one per start (ADR 0025). */
@ExtendWith(DockerWhenContainers.class)
class SettingsRecordsTest {

  private static final List<Class<?>> RECORDS =
      List.of(UploadProperties.class, StorageProperties.class, HousekeepingProperties.class);

  @Test
  void shouldNameTheRefusalOfEveryRecordAtOnce() {
    assertThat(
            SettingsRecords.refused(
                environment(
                    Map.of(
                        "pt2cache.uploads.max-artifact-size", "0",
                        "pt2cache.storage.part-size", "1MB",
                        "pt2cache.housekeeping.grace", "an hour")),
                RECORDS))
        .satisfiesExactlyInAnyOrder(
            refused -> assertThat(refused).contains("PT2CACHE_MAX_ARTIFACT_SIZE"),
            refused -> assertThat(refused).contains("PT2CACHE_S3_PART_SIZE"),
            refused -> assertThat(refused).startsWith("pt2cache.housekeeping.grace=an hour: "));
  }

  /** Before, the start named only the first record Spring made: two starts to find both. */
  @Test
  @Tag("integration")
  void shouldRefuseAStartNamingEveryWrongSetting() {
    assertThat(
            startRefusal(Map.of("PT2CACHE_MAX_ARTIFACT_SIZE", "0", "PT2CACHE_S3_PART_SIZE", "1MB")))
        .contains("PT2CACHE_MAX_ARTIFACT_SIZE", "PT2CACHE_S3_PART_SIZE");
  }

  /**
   * A negative length is refused by the start's check of every duration and by its record: the
   * report named {@code PT2CACHE_RUN_HISTORY=-1d} twice, once in each's words.
   */
  @Test
  @Tag("integration")
  void shouldNameANegativeLengthOnce() {
    String report =
        startRefusal(Map.of("PT2CACHE_RUN_HISTORY", "-1d", "PT2CACHE_S3_PART_SIZE", "1MB"));

    assertThat(report).contains("PT2CACHE_RUN_HISTORY=-1d is negative", "PT2CACHE_S3_PART_SIZE");
    assertThat(report.split("run-history|RUN_HISTORY", -1)).hasSize(2);
  }

  /** The report of a start of the service with these settings beside the tests' own. */
  private static String startRefusal(Map<String, Object> wrong) {
    Map<String, Object> settings = new LinkedHashMap<>(TestInfra.serviceEnvironment());
    settings.put("PT2CACHE_PORT", "0");
    settings.put("PT2CACHE_HOUSEKEEPING_ENABLED", "false");
    settings.putAll(wrong);
    Throwable refused =
        catchThrowable(
            () ->
                new SpringApplicationBuilder(Pt2CacheApplication.class)
                    .properties(settings)
                    .run()
                    .close());
    assertThat(refused).as("the start is refused").isNotNull();
    return NestedExceptionUtils.getMostSpecificCause(refused).getMessage();
  }

  /**
   * The rate limit's record refused through Bean Validation, which binding it ahead does not run: a
   * burst of 0 beside a wrong setting of another record was named only at the next start.
   */
  @Test
  void shouldNameARateLimitSettingWithTheOthers() {
    assertThat(
            SettingsRecords.refused(
                environment(
                    Map.of(
                        "pt2cache.rate-limit.requests-per-second", "5",
                        "pt2cache.rate-limit.burst", "0",
                        "pt2cache.storage.part-size", "1MB")),
                List.of(StorageProperties.class, RateLimitProperties.class)))
        .satisfiesExactlyInAnyOrder(
            refused -> assertThat(refused).contains("PT2CACHE_S3_PART_SIZE"),
            refused -> assertThat(refused).contains("PT2CACHE_RATE_LIMIT_BURST", "not 0"));
    assertThat(
            SettingsRecords.refused(
                environment(Map.of("pt2cache.rate-limit.requests-per-second", "-1")),
                List.of(RateLimitProperties.class)))
        .singleElement()
        .asString()
        .contains("PT2CACHE_RATE_LIMIT", "not -1");
  }

  /**
   * A CA bundle that is not there was found only when the store's client was made, after every
   * other setting had passed, and shown as a stack trace: a second start to learn of it.
   */
  @Test
  void shouldNameACaBundleTheServiceCannotReadWithTheOthers() {
    String missing = "/nonexistent/pt2cache/store-ca.pem";
    assertThat(
            SettingsRecords.refused(
                environment(
                    Map.of(
                        "pt2cache.storage.ca-bundle",
                        missing,
                        "pt2cache.housekeeping.grace",
                        "an hour")),
                RECORDS))
        .satisfiesExactlyInAnyOrder(
            refused ->
                assertThat(refused)
                    .contains("PT2CACHE_S3_CA_BUNDLE", missing, "no file the service can read"),
            refused -> assertThat(refused).contains("grace"));
    assertThat(
            SettingsRecords.refused(
                environment(
                    Map.of("pt2cache.storage.ca-bundle", System.getProperty("java.io.tmpdir"))),
                RECORDS))
        .as("a directory is no bundle")
        .singleElement()
        .asString()
        .contains("PT2CACHE_S3_CA_BUNDLE");
  }

  @Test
  void shouldPassTheDefaults() {
    assertThat(SettingsRecords.refused(environment(Map.of()), RECORDS)).isEmpty();
  }

  private static StandardEnvironment environment(Map<String, Object> settings) {
    StandardEnvironment environment = new StandardEnvironment();
    environment.getPropertySources().addFirst(new MapPropertySource("settings", settings));
    return environment;
  }
}
