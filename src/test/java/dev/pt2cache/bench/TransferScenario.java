package dev.pt2cache.bench;

import dev.pt2cache.support.GcLog;
import dev.pt2cache.support.GeneratedContent;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Artifacts up and down, one at a time and several at once, through the service (upload includes
 * its SHA-256 verification) and straight to the S3 server (the floor). Content is generated as it
 * is sent, distinct per transfer, so nothing is deduplicated and nothing is held in memory.
 */
final class TransferScenario {

  private static final Pattern UPLOAD_URL = Pattern.compile("\"uploadUrl\":\"([^\"]+)\"");
  private static final Pattern DOWNLOAD_URL = Pattern.compile("\"downloadUrl\":\"([^\"]+)\"");
  private static final AtomicLong SEEDS = new AtomicLong(System.nanoTime());

  /**
   * Peak heap in use, what the service's collections left in use, and peak resident memory, seen
   * while the service moved the largest artifacts.
   */
  record Memory(long peakHeapBytes, GcLog collections, long peakRssBytes, String during) {}

  private TransferScenario() {}

  static List<Row> run(
      Target target,
      String namespace,
      long[] sizes,
      int[] concurrencies,
      ServiceProcess service,
      Memory[] memory)
      throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<Row> rows = new ArrayList<>();
    try (S3Client s3 = target.s3();
        DirectS3 direct = new DirectS3(target)) {
      Paths paths = new Paths(http, s3, direct, target, namespace);
      // warm-up, not reported: both paths compiled before anything is measured
      for (int round = 0; round < 4; round++) {
        paths.measure(1L << 20, 8, 16);
      }
      for (long size : sizes) {
        for (int c : concurrencies) {
          boolean watch = service != null && size >= (1L << 30) && c > 1;
          MemoryWatch watching = watch ? MemoryWatch.start(http, target.url(), service) : null;
          // each measurement moves at least 512 MiB (or one 1 GiB transfer per client), so a
          // single slow transfer on a noisy machine does not decide the row
          int n = size >= (1L << 30) ? 1 : (int) Math.max(4, (512L << 20) / (size * c));
          rows.addAll(paths.measure(size, c, n));
          if (watch) {
            memory[0] = watching.stop(c + " uploads and downloads of " + label(size) + " at once");
          }
        }
      }
    }
    return rows;
  }

  /** Upload and download through the service and straight to S3, with one HTTP client. */
  private record Paths(
      HttpClient http, S3Client s3, DirectS3 direct, Target target, String namespace) {

    List<Row> measure(long size, int c, int n) throws Exception {
      long[][] seeds = seeds(c, n);
      Map<Long, String> digests = digests(seeds, size);
      Map<Long, String> downloads = new ConcurrentHashMap<>();
      leg("upload", size, c);
      Result up =
          LoadGenerator.times(
              c,
              n,
              (w, i) -> {
                long seed = seeds[w][(int) i];
                downloads.put(seed, upload(http, target, namespace, seed, size, digests.get(seed)));
                return size;
              });
      leg("upload straight to S3", size, c);
      Result floorUp =
          LoadGenerator.times(
              c,
              n,
              (w, i) -> {
                long seed = seeds[w][(int) i];
                return put(http, direct.put("bench/transfer/" + seed), seed, size);
              });
      leg("download", size, c);
      Result down =
          LoadGenerator.times(
              c,
              n,
              (w, i) ->
                  download(
                      http, ServiceAuth.request(target.url() + downloads.get(seeds[w][(int) i]))));
      leg("download straight from S3", size, c);
      Result floorDown =
          LoadGenerator.times(
              c,
              n,
              (w, i) ->
                  download(
                      http,
                      HttpRequest.newBuilder(direct.get("bench/transfer/" + seeds[w][(int) i]))));
      cleanUp(s3, target, seeds);
      return List.of(
          new Row("transfer", "upload " + label(size), c, "MB/s", mb(up), mb(floorUp)),
          new Row("transfer", "download " + label(size), c, "MB/s", mb(down), mb(floorDown)));
    }
  }

  private static String upload(
      HttpClient http, Target target, String namespace, long seed, long size, String sha256)
      throws Exception {
    String declare =
        ("{\"kind\":\"mega-cache\",\"descriptor\":%s,\"sha256\":\"%s\"," + "\"sizeBytes\":%d}")
            .formatted(Fixture.descriptor("transfer-" + seed, "2.11.0+cu130"), sha256, size);
    String created =
        http.send(
                ServiceAuth.request(target.url() + "/v1/namespaces/" + namespace + "/artifacts")
                    .header("Content-Type", "application/json")
                    .POST(BodyPublishers.ofString(declare))
                    .build(),
                BodyHandlers.ofString())
            .body();
    Matcher uploadUrl = UPLOAD_URL.matcher(created);
    if (!uploadUrl.find()) {
      throw new IllegalStateException("no uploadUrl: " + created);
    }
    var sent =
        http.send(
            ServiceAuth.request(target.url() + uploadUrl.group(1))
                .header("Content-Type", "application/octet-stream")
                .PUT(GeneratedContent.publisher(seed, size))
                .build(),
            BodyHandlers.ofString());
    Matcher downloadUrl = DOWNLOAD_URL.matcher(sent.body());
    if (sent.statusCode() != 200 || !downloadUrl.find()) {
      throw new IllegalStateException("upload -> " + sent.statusCode() + " " + sent.body());
    }
    return downloadUrl.group(1);
  }

  private static long put(HttpClient http, URI url, long seed, long size) throws Exception {
    var response =
        http.send(
            HttpRequest.newBuilder(url)
                .header("Content-Type", "application/octet-stream")
                .PUT(GeneratedContent.publisher(seed, size))
                .build(),
            BodyHandlers.discarding());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("PUT " + url + " -> " + response.statusCode());
    }
    return size;
  }

  private static long download(HttpClient http, HttpRequest.Builder request) throws Exception {
    HttpRequest sent = request.GET().build();
    URI url = sent.uri();
    var response = http.send(sent, BodyHandlers.ofInputStream());
    try (InputStream in = response.body()) {
      if (response.statusCode() != 200) {
        throw new IllegalStateException("GET " + url + " -> " + response.statusCode());
      }
      return in.transferTo(OutputStream.nullOutputStream());
    }
  }

  private static long[][] seeds(int workers, int n) {
    long[][] seeds = new long[workers][n];
    for (long[] worker : seeds) {
      for (int i = 0; i < n; i++) {
        worker[i] = SEEDS.incrementAndGet();
      }
    }
    return seeds;
  }

  /** The SHA-256 of every transfer's content, computed before any timing starts. */
  private static Map<Long, String> digests(long[][] seeds, long size) throws Exception {
    Map<Long, String> digests = new ConcurrentHashMap<>();
    for (long[] worker : seeds) {
      for (long seed : worker) {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(new GeneratedContent(seed, size), digest)) {
          in.transferTo(OutputStream.nullOutputStream());
        }
        digests.put(seed, HexFormat.of().formatHex(digest.digest()));
      }
    }
    return digests;
  }

  private static void cleanUp(S3Client s3, Target target, long[][] seeds) {
    for (long[] worker : seeds) {
      for (long seed : worker) {
        s3.deleteObject(b -> b.bucket(target.bucket()).key("bench/transfer/" + seed));
      }
    }
  }

  private static Result mb(Result bytes) {
    return new Result(bytes.throughput() / 1e6, bytes.p50Millis(), bytes.p99Millis());
  }

  /**
   * Prints when a leg starts, so that what the service's GC log or a heap histogram shows at some
   * moment can be put beside the transfers running then.
   */
  private static void leg(String what, long size, int c) {
    System.out.printf("%s transfer %s x %d: %s%n", LocalTime.now(), label(size), c, what);
  }

  static String label(long size) {
    return size >= (1L << 30) ? (size >> 30) + " GiB" : (size >> 20) + " MiB";
  }
}
