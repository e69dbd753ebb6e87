package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.GeneratedContent;
import dev.pt2cache.support.HeapMetric;
import dev.pt2cache.support.ServiceJvm;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Invariant 6: memory does not grow with artifact size. The service runs in a JVM of its own with
 * its heap capped at 256 MB (embedded S3 server included) while a 1 GiB artifact goes up and comes
 * back; both directions are checked byte for byte by SHA-256. The upload goes to the store both
 * ways the service has: streamed in one request (the default up to 5 GiB, ADR 0013), and as a
 * multipart upload (what larger artifacts take; here forced with {@code single-put-max=0}).
 */
@Tag("streaming")
class StreamingLimitTest {

  static final long SIZE = 1L << 30;
  static final long SEED = 20261125;
  static final String BEARER = "Bearer " + EmbeddedInfra.ADMIN_TOKEN;

  final HttpClient http = HttpClient.newHttpClient();

  @ParameterizedTest(name = "single-put-max {0}")
  @ValueSource(strings = {"5GB", "0"})
  void shouldMoveOneGibibyteThroughA256MegabyteHeap(String singlePutMax, @TempDir Path data)
      throws Exception {
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    AtomicLong peakHeap = new AtomicLong();
    try (ServiceJvm service =
        ServiceJvm.embeddedDefault(
            data,
            List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError"),
            Map.of("PT2CACHE_S3_SINGLE_PUT_MAX", singlePutMax))) {
      String base = service.url();
      sampler.scheduleAtFixedRate(() -> sampleHeap(base, peakHeap), 0, 200, TimeUnit.MILLISECONDS);
      String sha256 = GeneratedContent.sha256(SEED, SIZE);

      long started = System.nanoTime();
      String uploadUrl = declare(base, sha256);
      HttpResponse<String> upload =
          http.send(
              HttpRequest.newBuilder(URI.create(base + uploadUrl))
                  .header("Authorization", BEARER)
                  .header("Content-Type", "application/octet-stream")
                  .PUT(
                      BodyPublishers.fromPublisher(
                          BodyPublishers.ofInputStream(() -> new GeneratedContent(SEED, SIZE)),
                          SIZE))
                  .build(),
              BodyHandlers.ofString());
      long uploaded = System.nanoTime();
      assertThat(upload.statusCode()).as(upload.body()).isEqualTo(200);
      assertThat(upload.body()).contains("\"state\":\"ready\"");

      HttpResponse<InputStream> download =
          http.send(
              HttpRequest.newBuilder(URI.create(base + uploadUrl))
                  .header("Authorization", BEARER)
                  .GET()
                  .build(),
              BodyHandlers.ofInputStream());
      assertThat(download.statusCode()).isEqualTo(200);
      CountingDigest received = CountingDigest.of(download.body());
      long downloaded = System.nanoTime();

      assertThat(received.size()).isEqualTo(SIZE);
      assertThat(received.sha256()).isEqualTo(sha256);
      assertThat(service.isAlive()).isTrue();
      System.out.printf(
          "1 GiB under -Xmx256m, single-put-max %s: upload %.1f s, download %.1f s,"
              + " peak heap used %d MB%n",
          singlePutMax,
          (uploaded - started) / 1e9,
          (downloaded - uploaded) / 1e9,
          peakHeap.get() >> 20);

    } finally {
      sampler.shutdownNow();
    }
  }

  private String declare(String base, String sha256) throws Exception {
    String body =
        Descriptors.upload("mega-cache", Descriptors.of(Descriptors.uniqueModel()), sha256, SIZE);
    HttpResponse<String> created =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/v1/namespaces/default/artifacts"))
                .header("Authorization", BEARER)
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString(body))
                .build(),
            BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    Matcher url = Pattern.compile("\"uploadUrl\":\"([^\"]+)\"").matcher(created.body());
    assertThat(url.find()).isTrue();
    return url.group(1);
  }

  private void sampleHeap(String base, AtomicLong peak) {
    peak.accumulateAndGet(HeapMetric.used(http, base), Math::max);
  }

  private record CountingDigest(long size, String sha256) {

    static CountingDigest of(InputStream in) throws Exception {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      long size;
      try (InputStream digesting = new DigestInputStream(in, digest)) {
        size = digesting.transferTo(java.io.OutputStream.nullOutputStream());
      }
      return new CountingDigest(size, HexFormat.of().formatHex(digest.digest()));
    }
  }
}
