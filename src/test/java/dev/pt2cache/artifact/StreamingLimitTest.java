package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.GcLog;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Invariant 6: memory does not grow with artifact size. The service runs in a JVM of its own with
 * its heap capped at 256 MB (embedded S3 server included) while a 1 GiB artifact goes up and comes
 * back; both directions are checked byte for byte: the service verifies the upload against the
 * SHA-256 declared for it, and the test compares the download with the content it generated. The
 * upload goes to the store both ways the service has: streamed in one request (the default up to 5
 * GiB, ADR 0013), and as a multipart upload (what larger artifacts take; here forced with {@code
 * single-put-max=0}).
 */
@Tag("streaming")
class StreamingLimitTest {

  static final long SIZE = 1L << 30;
  static final long SEED = 20261125;
  static final String BEARER = "Bearer " + EmbeddedInfra.ADMIN_TOKEN;

  /**
   * The SHA-256 of each generated content, by seed and size, worked out once: each test runs for
   * both ways to the store with the same contents, and generated and hashed 2 GiB twice before.
   * Worked out in a JVM of its own ({@link GeneratedContent#sha256sElsewhere}): this one's client
   * compiler hashed the 2 GiB in some 18 s of CPU.
   */
  static final Map<String, String> SHA256 = new ConcurrentHashMap<>();

  final HttpClient http = HttpClient.newHttpClient();

  @ParameterizedTest(name = "single-put-max {0}")
  @ValueSource(strings = {"5GB", "0"})
  void shouldMoveOneGibibyteThroughA256MegabyteHeap(String singlePutMax, @TempDir Path data)
      throws Exception {
    long[] nanos = new long[3];
    Heap heap =
        heapWhile(
            data,
            "-Xmx256m",
            singlePutMax,
            (service, base) -> {
              String sha256 = sha256(SEED, SIZE);
              nanos[0] = System.nanoTime();
              String uploadUrl = declare(base, sha256, SIZE);
              HttpResponse<String> upload = upload(base + uploadUrl, SEED, SIZE).get();
              nanos[1] = System.nanoTime();
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
              // compared with the content generated again, not hashed: on this JVM's client
              // compiler a GiB's SHA-256 took 7.7 s, its generation 1.4 s
              long firstDifference = GeneratedContent.firstDifference(download.body(), SEED, SIZE);
              nanos[2] = System.nanoTime();

              assertThat(firstDifference)
                  .as("the first byte downloaded that differs from those uploaded (-1: none)")
                  .isEqualTo(-1);
              assertThat(service.isAlive()).isTrue();
            });
    System.out.printf(
        "1 GiB under -Xmx256m, single-put-max %s: upload %.1f s, download %.1f s," + " %s%n",
        singlePutMax, (nanos[1] - nanos[0]) / 1e9, (nanos[2] - nanos[1]) / 1e9, heap);
  }

  /**
   * With the defaults, as many 64 MiB uploads at once as there are upload permits (16) are stored
   * in the heap the sizing guide asks for (256 MB, plus 128 MB of upload buffers), streamed and in
   * parts. Each reads its first part (8 MB) into the heap before it takes its permit (ADR 0036),
   * and a multipart one then holds part buffers of its own beside it until that part has gone. The
   * namespace may hold all 16 permits here (its share is 12 by default, ADR 0038): with 12, four
   * uploads waited for one and, on a loaded machine, were refused {@code 503 storage-busy} after
   * the 30 s wait. The service runs out of memory, and the test fails, where it holds more than
   * that: one that read each upload whole before sending it exited before the sixteenth was
   * declared. The heap used is printed beside what collections left of it: used holds dead part
   * buffers no collection has reached yet.
   */
  @ParameterizedTest(name = "single-put-max {0}")
  @ValueSource(strings = {"5GB", "0"})
  void shouldStoreSixteenLargeUploadsAtOnceInTheSizedHeap(String singlePutMax, @TempDir Path data)
      throws Exception {
    int uploads = 16;
    long size = 64L << 20;
    Heap heap =
        heapWhile(
            data,
            "-Xmx384m",
            singlePutMax,
            (service, base) -> {
              // every digest first, so that the uploads start together, not one hash apart
              List<String> digests =
                  sha256s(size, LongStream.range(0, uploads).map(i -> SEED + 1 + i));
              List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
              for (int i = 0; i < uploads; i++) {
                long seed = SEED + 1 + i;
                String uploadUrl = declare(base, digests.get(i), size);
                sent.add(upload(base + uploadUrl, seed, size));
              }
              for (CompletableFuture<HttpResponse<String>> upload : sent) {
                HttpResponse<String> answer = upload.get(10, TimeUnit.MINUTES);
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
              }
              assertThat(service.isAlive()).isTrue();
            });
    System.out.printf(
        "16 x 64 MiB at once under -Xmx384m, single-put-max %s: %s%n", singlePutMax, heap);
  }

  @FunctionalInterface
  private interface ServiceRun {
    void run(ServiceJvm service, String base) throws Exception;
  }

  /** The heap a run took: its peak used, sampled, and what its collections left. */
  private record Heap(long peakUsed, GcLog collections) {
    @Override
    public String toString() {
      return "peak heap used %d MB, most left by a collection %d MB, by a full one %d MB"
          .formatted(peakUsed >> 20, collections.mostAfterAnyMb(), collections.mostAfterFullMb());
    }
  }

  /**
   * Runs {@code run} against a service JVM of the embedded default that exits on running out of
   * memory (so that the uploads fail); answers the heap it took.
   */
  private Heap heapWhile(Path data, String xmx, String singlePutMax, ServiceRun run)
      throws Exception {
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    AtomicLong peakHeap = new AtomicLong();
    Path gcLog = data.resolve("gc.log");
    try (ServiceJvm service =
        ServiceJvm.embeddedDefault(
            data,
            List.of(xmx, "-XX:+ExitOnOutOfMemoryError", GcLog.option(gcLog)),
            Map.of(
                "PT2CACHE_S3_SINGLE_PUT_MAX",
                singlePutMax,
                "PT2CACHE_S3_MAX_CONCURRENT_PUTS_PER_NAMESPACE",
                "16"))) {
      String base = service.url();
      sampler.scheduleAtFixedRate(() -> sampleHeap(base, peakHeap), 0, 200, TimeUnit.MILLISECONDS);
      run.run(service, base);
    } finally {
      sampler.shutdownNow();
    }
    return new Heap(peakHeap.get(), GcLog.read(gcLog));
  }

  /** {@link GeneratedContent#sha256(long, long)}, worked out once for each seed and size. */
  private static String sha256(long seed, long size) {
    return sha256s(size, LongStream.of(seed)).get(0);
  }

  /** {@link #sha256} of each seed, those not yet worked out in one JVM of their own. */
  private static List<String> sha256s(long size, LongStream seeds) {
    long[] all = seeds.toArray();
    long[] missing =
        LongStream.of(all).filter(seed -> !SHA256.containsKey(seed + "/" + size)).toArray();
    if (missing.length > 0) {
      List<String> digests = GeneratedContent.sha256sElsewhere(size, missing);
      for (int i = 0; i < missing.length; i++) {
        SHA256.put(missing[i] + "/" + size, digests.get(i));
      }
    }
    return LongStream.of(all).mapToObj(seed -> SHA256.get(seed + "/" + size)).toList();
  }

  private CompletableFuture<HttpResponse<String>> upload(String url, long seed, long size) {
    return http.sendAsync(
        HttpRequest.newBuilder(URI.create(url))
            .header("Authorization", BEARER)
            .header("Content-Type", "application/octet-stream")
            .PUT(GeneratedContent.publisher(seed, size))
            .build(),
        BodyHandlers.ofString());
  }

  private String declare(String base, String sha256, long size) throws Exception {
    String body =
        Descriptors.upload("mega-cache", Descriptors.of(Descriptors.uniqueModel()), sha256, size);
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
}
