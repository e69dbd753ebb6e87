package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.Pt2CacheApplication;
import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.TestInfra;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.NestedExceptionUtils;

/**
 * Settings at their extremes: sizes the arithmetic cannot hold are refused at start, naming the
 * setting and what it may be, rather than starting a service whose uploads fail (ADR 0025).
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
@ExtendWith(OutputCaptureExtension.class)
class ExtremeSettingsTest {

  private static final String LARGEST = "9223372036854775807";

  /**
   * Before, it started: a part of 2GB wrapped round to a negative buffer size in every multipart
   * upload. (A largest artifact whose parts would outgrow one buffer is taken as the largest that
   * fits instead: UploadPropertiesTest.)
   */
  @Test
  void shouldRefuseAPartTooLargeForOnePartBuffer() {
    assertThat(refusal(Map.of("PT2CACHE_S3_PART_SIZE", "2GB")))
        .contains("PT2CACHE_S3_PART_SIZE", "give 5MB to 2047MB");
  }

  /** Before: "Tomcat refused socket.appWriteBufSize", naming no setting. */
  @Test
  void shouldRefuseASocketBufferTomcatCannotTake() {
    assertThat(refusal(Map.of("PT2CACHE_HTTP_SOCKET_WRITE_BUFFER", "3GB")))
        .contains("PT2CACHE_HTTP_SOCKET_WRITE_BUFFER", "from 1KB to 2047MB");
  }

  /** Before, it started: 2^31 part buffers of 8 MB, and upload connections wrapped round to -2. */
  @Test
  void shouldRefusePartBuffersMoreThanTheHeap() {
    assertThat(refusal(Map.of("PT2CACHE_S3_MAX_CONCURRENT_PUTS", "2147483647")))
        .contains("PT2CACHE_S3_MAX_CONCURRENT_PUTS (2147483647) part buffers of 8388608B")
        .contains("more than this JVM's heap");
  }

  /**
   * An artifact limit whose largest parts, one per permit, are more than the heap: only uploads
   * near the limit take such parts, and only that many of them at once would exhaust it, so the
   * instance starts (it did before 2026-12-05, and refusing it stopped a rolling upgrade) and says
   * so at start. 5TB is the largest object AWS S3 takes, which docs/configuration.md names.
   */
  @Test
  void shouldStartWhereOnlyUploadsNearTheLimitTogetherWouldOutgrowTheHeap(CapturedOutput output) {
    long largestPart = (5L << 40) / 10_000 + 1;
    long puts = Runtime.getRuntime().maxMemory() / largestPart + 1;
    new SpringApplicationBuilder(Pt2CacheApplication.class)
        .properties(
            settings(
                Map.of(
                    "PT2CACHE_S3_MAX_CONCURRENT_PUTS",
                    Long.toString(puts),
                    "PT2CACHE_MAX_ARTIFACT_SIZE",
                    "5TB")))
        .run()
        .close();
    assertThat(output).contains("PT2CACHE_S3_MAX_CONCURRENT_PUTS (" + puts + ") uploads");
  }

  /** Before: "long overflow", naming nothing (their nanoseconds overflow past 292 years). */
  @Test
  void shouldRefuseDurationsOfCenturies() {
    assertThat(
            refusal(
                Map.of(
                    "PT2CACHE_WARMUP_TIMEOUT", "110000d",
                    "PT2CACHE_S3_STALL_TIMEOUT", "110000d",
                    "PT2CACHE_GRACE", "9999999999d")))
        .contains("PT2CACHE_WARMUP_TIMEOUT=110000d: give at most 36500d (100 years)")
        .contains("PT2CACHE_S3_STALL_TIMEOUT=110000d", "PT2CACHE_GRACE=9999999999d");
  }

  /**
   * Before: the pool of 2147483647 was taken and the start hung (this test ran 15 minutes, its JVM
   * at 6.7 GB and out of memory), and the connection wait of 9223372036854775807 started, so a
   * request could wait for ever (ADR 0024).
   */
  @Test
  void shouldRefuseADatabasePoolOrWaitBeyondReason() {
    assertThat(
            refusal(
                Map.of(
                    "PT2CACHE_DB_POOL_SIZE",
                    "2147483647",
                    "PT2CACHE_DB_CONNECTION_WAIT_MS",
                    LARGEST)))
        .contains("PT2CACHE_DB_POOL_SIZE=2147483647: give 2 to 1000")
        .contains("PT2CACHE_DB_CONNECTION_WAIT_MS=" + LARGEST + ": give 250 to 300000");
  }

  @Test
  void shouldStartAtTheLargestPartAndArtifact() {
    new SpringApplicationBuilder(Pt2CacheApplication.class)
        .properties(
            settings(
                Map.of(
                    "PT2CACHE_S3_PART_SIZE", "2047MB",
                    "PT2CACHE_S3_MAX_CONCURRENT_PUTS", "1",
                    "PT2CACHE_MAX_ARTIFACT_SIZE", "19990GB")))
        .run()
        .close();
  }

  /**
   * A largest artifact set far above any (to mean no limit) with the other settings at their
   * defaults: it is taken as 19990GB, whose parts of 2047MB, 16 of them, are more than this heap,
   * and the instance starts with a warning (refused at start by the first text of 71e7feb, an
   * instance that had run so would not have started after an upgrade).
   */
  @Test
  void shouldStartWithALargestArtifactFarAboveAny() {
    new SpringApplicationBuilder(Pt2CacheApplication.class)
        .properties(settings(Map.of("PT2CACHE_MAX_ARTIFACT_SIZE", LARGEST)))
        .run()
        .close();
  }

  private static String refusal(Map<String, String> wrong) {
    String[] message = new String[1];
    assertThatThrownBy(
            () ->
                new SpringApplicationBuilder(Pt2CacheApplication.class)
                    .properties(settings(wrong))
                    .run()
                    .close())
        .satisfies(
            refused ->
                message[0] = NestedExceptionUtils.getMostSpecificCause(refused).getMessage());
    return message[0];
  }

  private static Map<String, Object> settings(Map<String, String> wrong) {
    Map<String, Object> settings = new LinkedHashMap<>(TestInfra.serviceEnvironment());
    settings.put("PT2CACHE_PORT", "0");
    settings.put("PT2CACHE_HOUSEKEEPING_ENABLED", "false");
    settings.put("PT2CACHE_WARMUP", "false");
    settings.putAll(wrong);
    return settings;
  }
}
