package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.HeldRows;
import dev.pt2cache.support.LockWaits;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.support.SilentRelay;
import dev.pt2cache.support.TestInfra;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * PostgreSQL that takes a request's statement and then goes silent (a stopped host or backend, a
 * route dropped without a reset, an old primary that stops answering in a failover): the request is
 * answered {@code 503 database-unavailable} once it has waited {@code PT2CACHE_DB_ANSWER_WAIT} for
 * the answer, and its connection is thrown away. Before, pgjdbc's socket had no read timeout: the
 * request, its thread and its pooled connection waited for as long as PostgreSQL said nothing.
 *
 * <p>The instance reaches PostgreSQL through a relay that the test silences. To have a statement in
 * flight at that moment, the test holds the lock the request's first statement waits for from a
 * session of its own, silences the relay, and lets the lock go: PostgreSQL answers into the silent
 * relay.
 */
@TestPropertySource(
    properties = {
      "pt2cache.database.answer-wait=5s",
      // under the answer wait (refused at start otherwise); the test lets the lock go well before
      // it, and a request that had waited it out would be database-busy, which the test refuses
      "pt2cache.database.lock-wait=4s",
      "spring.datasource.hikari.connection-timeout=1000"
    })
class SilentDatabaseTest extends ServiceTest {

  private static final Map<String, String> ENV = TestInfra.serviceEnvironment();
  private static final URI DATABASE =
      URI.create(ENV.get("PT2CACHE_DB_URL").substring("jdbc:".length()));
  private static final SilentRelay RELAY = relay();

  private static SilentRelay relay() {
    try {
      return new SilentRelay(DATABASE.getHost(), DATABASE.getPort());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @DynamicPropertySource
  static void throughTheRelay(DynamicPropertyRegistry registry) {
    registry.add(
        "spring.datasource.url",
        () -> "jdbc:postgresql://127.0.0.1:" + RELAY.port() + DATABASE.getPath());
  }

  @AfterAll
  static void closeRelay() throws IOException {
    RELAY.close();
  }

  /** A session of the test's own, straight to PostgreSQL, past the relay. */
  private static DriverManagerDataSource direct() {
    return new DriverManagerDataSource(
        ENV.get("PT2CACHE_DB_URL"), ENV.get("PT2CACHE_DB_USER"), ENV.get("PT2CACHE_DB_PASSWORD"));
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void shouldAnswerAnEntryPutWhoseStatementPostgresqlWentSilentOnAsUnavailable() throws Exception {
    byte[] entry = "answered into silence".getBytes(StandardCharsets.UTF_8);
    String lookup = Descriptors.lookup("mega-cache", Descriptors.of(Descriptors.uniqueModel()));
    DriverManagerDataSource direct = direct();
    CompletableFuture<ApiResponse> put;
    try {
      try (Connection holder =
          HeldRows.holding(
              direct, "select pg_advisory_xact_lock(hashtextextended(?, 0))", "rules:" + ns)) {
        put =
            CompletableFuture.supplyAsync(
                () -> api.putBytes(path("/entries/fx-graph/silent"), entry));
        while (!LockWaits.waiting(JdbcClient.create(direct), "pg_advisory")) {
          Thread.sleep(20);
        }
        RELAY.silence();
        // PostgreSQL goes on with the upload's statement and answers into the silent relay
        holder.rollback();
      }

      ApiResponse silenced = put.get();
      assertProblem(silenced, 503, "database-unavailable");
      assertThat(silenced.header("Retry-After")).isNotBlank();

      ApiResponse readiness = api.get("/actuator/health/readiness");
      assertThat(readiness.status()).as(readiness.text()).isEqualTo(503);
      assertProblem(api.postJson(path("/lookups"), lookup), 503, "database-unavailable");
    } finally {
      RELAY.resume();
    }

    // nothing of the silenced upload stands, and the pool serves again with fresh connections
    assertThat(api.get(path("/entries/fx-graph/silent")).status()).isEqualTo(404);
    ApiResponse again = api.putBytes(path("/entries/fx-graph/silent"), entry);
    assertThat(again.status()).as(again.text()).isEqualTo(201);
    assertThat(api.get(path("/entries/fx-graph/silent")).body()).isEqualTo(entry);
    assertThat(api.postJson(path("/lookups"), lookup).status()).isEqualTo(200);
    assertThat(api.get("/actuator/health/readiness").status()).isEqualTo(200);
  }
}
