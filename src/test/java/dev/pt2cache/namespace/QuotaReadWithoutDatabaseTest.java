package dev.pt2cache.namespace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.HeldConnections;
import dev.pt2cache.support.ServiceTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * While no database connection can be had (PostgreSQL restarting, every pooled connection lost),
 * each upload to a namespace is answered {@code 503 database-unavailable} after one connection
 * wait, however many arrive together. The namespace's quota was read through the cache's loader,
 * which holds the cache's lock while it waits, so uploads to one namespace queued behind each
 * other: in a review's 20 s PostgreSQL restart under load a declaration waited 20 s and an entry 45
 * s, with a 5 s wait; here the sixth of six waited about 30 s.
 */
class QuotaReadWithoutDatabaseTest extends ServiceTest {

  private static final int UPLOADS = 6;

  /** The service's connection wait (5 s by default) and more than enough for the machine. */
  private static final long BOUND_MS = 5_000 + 3_000;

  @Autowired DataSource dataSource;

  @Test
  void shouldAnswerEachUploadOfANamespaceAfterOneConnectionWait() throws Exception {
    // the namespace was just made, so no instance holds its quota: each upload must read it
    List<Long> took = new ArrayList<>();
    ExecutorService callers = Executors.newFixedThreadPool(UPLOADS);
    try (HeldConnections held = HeldConnections.every(dataSource)) {
      List<Future<Timed>> answers = new ArrayList<>();
      for (int i = 0; i < UPLOADS; i++) {
        boolean entry = i % 2 == 1;
        answers.add(callers.submit(() -> Timed.of(() -> entry ? putEntry() : declare())));
      }
      for (Future<Timed> answer : answers) {
        Timed timed = answer.get();
        assertProblem(timed.answer(), 503, "database-unavailable");
        assertThat(timed.answer().header("Retry-After")).isNotBlank();
        took.add(timed.millis());
      }
    } finally {
      callers.shutdownNow();
    }

    assertThat(took)
        .as("milliseconds each upload waited for its answer")
        .allSatisfy(ms -> assertThat(ms).isLessThan(BOUND_MS));
    ApiResponse after = declare();
    assertThat(after.status()).as(after.text()).isEqualTo(201);
    ApiResponse entry = putEntry();
    assertThat(entry.status()).as(entry.text()).isEqualTo(201);
  }

  private ApiResponse declare() {
    return declareMegaCache(Descriptors.of(Descriptors.uniqueModel()), bytes());
  }

  private ApiResponse putEntry() {
    byte[] bytes = bytes();
    return api.putBytes(
        path("/entries/fx-graph/" + UUID.randomUUID().toString().replace("-", "")),
        bytes,
        "X-Content-SHA256",
        Fixtures.sha256(bytes));
  }

  private static byte[] bytes() {
    return UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
  }

  private record Timed(ApiResponse answer, long millis) {

    static Timed of(Supplier<ApiResponse> call) {
      long started = System.nanoTime();
      ApiResponse answer = call.get();
      return new Timed(answer, (System.nanoTime() - started) / 1_000_000);
    }
  }
}
