package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Hits cost no database write each: they are gathered and written in batches (every 100 ms in
 * tests, 5 s by default), and the counts come out exact.
 */
class HitBookkeepingTest extends ServiceTest {

  static final int CLIENTS = 8;
  static final int LOOKUPS_EACH = 250;

  @Test
  void shouldWriteFarFewerRowsThanItRecordsHits() throws Exception {
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    String id = uploadMegaCache(descriptor, Fixtures.randomBytes(100)).json().get("id").asString();
    double rowsBefore = counted("pt2cache.hits.rows.written");

    long started = System.nanoTime();
    hammer(Descriptors.lookup("mega-cache", descriptor));
    double seconds = (System.nanoTime() - started) / 1e9;

    int lookups = CLIENTS * LOOKUPS_EACH;
    await()
        .atMost(Duration.ofSeconds(30)) // a flush every 100 ms; a loaded machine may delay it
        .untilAsserted(
            () -> {
              JsonNode artifact = api.get(path("/artifacts/" + id)).json();
              assertThat(artifact.get("hitCount").asLong()).isEqualTo(lookups);
              JsonNode namespace = api.get(path("")).json();
              assertThat(namespace.get("lookupHits").asLong()).isEqualTo(lookups);
              assertThat(namespace.get("hitRatio").asDouble()).isEqualTo(1.0);
            });
    double rows = counted("pt2cache.hits.rows.written") - rowsBefore;
    System.out.printf(
        "%d hits by %d clients in %.2f s, flushed every 100 ms: %.0f row writes%n",
        lookups, CLIENTS, seconds, rows);
    // at most two rows (the artifact's, the namespace's) per flush, whatever the number of hits
    assertThat(rows).isLessThanOrEqualTo(2 * (Math.ceil(seconds / 0.1) + 3));
  }

  /** Lookups as fast as the service answers, from several clients at once. */
  private void hammer(String body) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest lookup =
        api.request(path("/lookups"), "Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    try {
      List<Future<?>> clients = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        clients.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < LOOKUPS_EACH; i++) {
                    assertThat(http.send(lookup, BodyHandlers.ofString()).body())
                        .contains("\"hit\":true");
                  }
                  return null;
                }));
      }
      for (Future<?> client : clients) {
        client.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
