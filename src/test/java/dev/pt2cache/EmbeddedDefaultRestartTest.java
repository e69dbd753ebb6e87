package dev.pt2cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.ServiceJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, stopped as a developer stops it (Ctrl-C or SIGTERM) and started again
 * on the same data: what the service had not written yet when it was told to stop (here the hit
 * statistics, which it flushes only on shutdown because the interval is an hour) is in the database
 * afterwards. The embedded PostgreSQL and S3 server stop only after the service has drained and
 * flushed, not at the same moment.
 */
class EmbeddedDefaultRestartTest {

  static final int HITS = 5;
  static final Map<String, String> FLUSH_ONLY_ON_SHUTDOWN =
      Map.of("PT2CACHE_HITS_FLUSH_INTERVAL", "1h");

  @Test
  void shouldKeepHitStatisticsAcrossAStopAndStart(@TempDir Path data) throws Exception {
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    String id;
    Duration exit;
    try (ServiceJvm service =
        ServiceJvm.embeddedDefault(data, ServiceJvm.QUICK_START, FLUSH_ONLY_ON_SHUTDOWN)) {
      ApiClient api = new ApiClient(service.port());
      id = upload(api, descriptor);
      for (int i = 0; i < HITS; i++) {
        ApiResponse lookup =
            api.postJson(
                "/v1/namespaces/default/lookups", Descriptors.lookup("mega-cache", descriptor));
        assertThat(lookup.json().get("hit").asBoolean()).as(lookup.text()).isTrue();
      }
      exit = service.stop();
    }
    assertThat(exit).as("time to exit after SIGTERM").isLessThan(Duration.ofSeconds(20));
    String log = Files.readString(data.resolve("service.log"));
    assertThat(log).doesNotContain("hit statistics could not be written");
    int poolClosed = log.indexOf("HikariPool-1 - Shutdown completed");
    assertThat(poolClosed).as("the service closed its database pool").isNotNegative();
    assertThat(log.indexOf(EmbeddedInfra.STOPPING))
        .as("PostgreSQL and S3 stop after the service has closed its connections")
        .isGreaterThan(poolClosed);

    try (ServiceJvm again =
        ServiceJvm.embeddedDefault(data, ServiceJvm.QUICK_START, FLUSH_ONLY_ON_SHUTDOWN)) {
      ApiClient api = new ApiClient(again.port());
      ApiResponse artifact = api.get("/v1/namespaces/default/artifacts/" + id);
      assertThat(artifact.status()).isEqualTo(200);
      assertThat(artifact.json().get("state").asString()).isEqualTo("ready");
      assertThat(artifact.json().get("hitCount").asLong()).isEqualTo(HITS);
      assertThat(api.get("/v1/namespaces/default").json().get("lookupHits").asLong())
          .isEqualTo(HITS);
    }
  }

  private static String upload(ApiClient api, String descriptor) throws Exception {
    byte[] content = new byte[4096];
    new Random(7).nextBytes(content);
    String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    ApiResponse declared =
        api.postJson(
            "/v1/namespaces/default/artifacts",
            Descriptors.upload("mega-cache", descriptor, sha256, content.length));
    assertThat(declared.status()).as(declared.text()).isEqualTo(201);
    ApiResponse sent =
        api.putBytes(
            declared.json().get("uploadUrl").asString(),
            content,
            "Content-Type",
            "application/octet-stream");
    assertThat(sent.status()).as(sent.text()).isEqualTo(200);
    return declared.json().get("id").asString();
  }
}
