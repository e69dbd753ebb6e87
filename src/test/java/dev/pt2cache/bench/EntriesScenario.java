package dev.pt2cache.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * PyTorch-sized entries through the entries face (300 bytes, like autotune results; 64 KiB, like
 * generated code) at one concurrency; the floor is the same GET or PUT straight to the S3 server.
 * Every PUT carries new content with its digest, as PyTorch's puts do.
 */
final class EntriesScenario {

  private static final int PRELOADED = 256;

  private EntriesScenario() {}

  static List<Row> run(Target target, String namespace, int concurrency, int seconds)
      throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<Row> rows = new ArrayList<>();
    try (S3Client s3 = target.s3();
        DirectS3 presigned = new DirectS3(target)) {
      warmUp(http, target.url() + "/v1/namespaces/" + namespace + "/entries/autotune/", presigned);
      for (int size : new int[] {300, 64 * 1024}) {
        String label = size < 1024 ? size + " B" : size / 1024 + " KiB";
        String base = target.url() + "/v1/namespaces/" + namespace + "/entries/autotune/";
        String run = UUID.randomUUID().toString().substring(0, 8);
        Result servicePut =
            LoadGenerator.forSeconds(
                concurrency,
                seconds,
                (w, i) -> put(http, base + "k-" + run + "-" + w + "-" + i, content(size)));
        Result floorPut =
            LoadGenerator.forSeconds(
                concurrency,
                seconds,
                (w, i) ->
                    put(http, presigned.put("bench/entries/" + run + w + "-" + i), content(size)));
        rows.add(new Row("entries", "PUT " + label, concurrency, "req/s", servicePut, floorPut));

        List<String> keys = new ArrayList<>();
        List<URI> directUrls = new ArrayList<>();
        for (int k = 0; k < PRELOADED; k++) {
          String key = "g-" + run + "-" + k;
          put(http, base + key, content(size));
          s3.putObject(
              b -> b.bucket(target.bucket()).key("bench/entries/" + key),
              RequestBody.fromBytes(content(size)));
          keys.add(key);
          directUrls.add(presigned.get("bench/entries/" + key));
        }
        Result serviceGet =
            LoadGenerator.forSeconds(
                concurrency,
                seconds,
                (w, i) ->
                    get(http, base + keys.get(ThreadLocalRandom.current().nextInt(PRELOADED))));
        Result floorGet =
            LoadGenerator.forSeconds(
                concurrency,
                seconds,
                (w, i) ->
                    get(http, directUrls.get(ThreadLocalRandom.current().nextInt(PRELOADED))));
        rows.add(new Row("entries", "GET " + label, concurrency, "req/s", serviceGet, floorGet));
      }
    }
    return rows;
  }

  /** Puts and gets entries, to the service and straight to S3, until both paths are compiled. */
  private static void warmUp(HttpClient http, String base, DirectS3 presigned) throws Exception {
    String run = "w-" + UUID.randomUUID().toString().substring(0, 8);
    LoadGenerator.forSeconds(
        16,
        LookupScenario.WARM_UP_SECONDS,
        (w, i) -> {
          String key = run + "-" + w + "-" + i;
          byte[] body = content(i % 2 == 0 ? 300 : 64 * 1024);
          put(http, base + key, body);
          get(http, base + key);
          put(http, presigned.put("bench/entries/" + key), body);
          return get(http, presigned.get("bench/entries/" + key));
        });
  }

  private static byte[] content(int size) {
    byte[] bytes = new byte[size];
    ThreadLocalRandom.current().nextBytes(bytes);
    return bytes;
  }

  /** A PUT to the service, with the digest a client declares. */
  private static long put(HttpClient http, String url, byte[] body) throws Exception {
    return send(
        http, ServiceAuth.request(url).header("X-Content-SHA256", Fixture.sha256(body)), body);
  }

  /** A PUT straight to the S3 server. */
  private static long put(HttpClient http, URI presigned, byte[] body) throws Exception {
    return send(http, HttpRequest.newBuilder(presigned), body);
  }

  private static long send(HttpClient http, HttpRequest.Builder request, byte[] body)
      throws Exception {
    HttpRequest sent =
        request
            .header("Content-Type", "application/octet-stream")
            .PUT(BodyPublishers.ofByteArray(body))
            .build();
    var response = http.send(sent, BodyHandlers.discarding());
    if (response.statusCode() != 201 && response.statusCode() != 200) {
      throw new IllegalStateException("PUT " + sent.uri() + " -> " + response.statusCode());
    }
    return body.length;
  }

  /** A GET from the service. */
  private static long get(HttpClient http, String url) throws Exception {
    return get(http, ServiceAuth.request(url));
  }

  /** A GET straight from the S3 server. */
  private static long get(HttpClient http, URI presigned) throws Exception {
    return get(http, HttpRequest.newBuilder(presigned));
  }

  private static long get(HttpClient http, HttpRequest.Builder request) throws Exception {
    HttpRequest sent = request.GET().build();
    var response = http.send(sent, BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("GET " + sent.uri() + " -> " + response.statusCode());
    }
    return response.body().length;
  }
}
