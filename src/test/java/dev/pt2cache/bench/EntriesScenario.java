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
    try (S3Client s3 = target.s3()) {
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
                (w, i) -> {
                  s3.putObject(
                      b -> b.bucket(target.bucket()).key("bench/entries/" + run + w + "-" + i),
                      RequestBody.fromBytes(content(size)));
                  return size;
                });
        rows.add(new Row("entries", "PUT " + label, concurrency, "req/s", servicePut, floorPut));

        List<String> keys = new ArrayList<>();
        for (int k = 0; k < PRELOADED; k++) {
          String key = "g-" + run + "-" + k;
          put(http, base + key, content(size));
          s3.putObject(
              b -> b.bucket(target.bucket()).key("bench/entries/" + key),
              RequestBody.fromBytes(content(size)));
          keys.add(key);
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
                    s3.getObjectAsBytes(
                            b ->
                                b.bucket(target.bucket())
                                    .key(
                                        "bench/entries/"
                                            + keys.get(
                                                ThreadLocalRandom.current().nextInt(PRELOADED))))
                        .asByteArray()
                        .length);
        rows.add(new Row("entries", "GET " + label, concurrency, "req/s", serviceGet, floorGet));
      }
    }
    return rows;
  }

  private static byte[] content(int size) {
    byte[] bytes = new byte[size];
    ThreadLocalRandom.current().nextBytes(bytes);
    return bytes;
  }

  private static long put(HttpClient http, String url, byte[] body) throws Exception {
    var response =
        http.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/octet-stream")
                .header("X-Content-SHA256", Fixture.sha256(body))
                .PUT(BodyPublishers.ofByteArray(body))
                .build(),
            BodyHandlers.discarding());
    if (response.statusCode() != 201 && response.statusCode() != 200) {
      throw new IllegalStateException("PUT " + url + " -> " + response.statusCode());
    }
    return body.length;
  }

  private static long get(HttpClient http, String url) throws Exception {
    var response =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).GET().build(), BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("GET " + url + " -> " + response.statusCode());
    }
    return response.body().length;
  }
}
