package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.LastLogLines;
import dev.pt2cache.support.ServiceInstances;
import dev.pt2cache.support.SilentRelay;
import dev.pt2cache.support.TestInfra;
import java.net.URI;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A PostgreSQL that goes silent while an instance starts (a stopped host or backend, a route
 * dropped without a reset): the start stops once a statement has waited {@code
 * PT2CACHE_DB_ANSWER_WAIT} for its answer, and its report names the step and the setting. Before,
 * the start waited in a socket read until its start probe killed it, with nothing in the log saying
 * what it waited for (the test gave up after 60 s). The instance reaches PostgreSQL through a relay
 * that goes silent at the step's statement, before PostgreSQL receives it.
 */
@ExtendWith({DockerWhenContainers.class, OutputCaptureExtension.class})
@Tag("integration")
class SilentDatabaseAtStartTest {

  private static final Map<String, String> ENV = TestInfra.serviceEnvironment();
  private static final URI DATABASE =
      URI.create(ENV.get("PT2CACHE_DB_URL").substring("jdbc:".length()));

  /**
   * Each step's statement silenced in turn; the marker's read is unlocked once the marker is
   * written (another test's start may have written it on the shared database), under its row lock
   * before.
   */
  @ParameterizedTest(name = "silent at {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "from deployment where id = 1 | the deployment marker's check (table deployment)",
        "server_version_num | the PostgreSQL version check (server_version_num)",
        "flyway_schema_history | Flyway's reading of its schema history"
      })
  void shouldStopAStartWhoseStepPostgresqlWentSilentOnNamingTheStep(
      String statement, String step, CapturedOutput output) throws Exception {
    assertThat(startSilencedAt(statement)).hasStackTraceContaining("Read timed out");

    assertThat(LastLogLines.of(output))
        .contains("APPLICATION FAILED TO START")
        .contains("PostgreSQL did not answer " + step)
        .contains("within PT2CACHE_DB_ANSWER_WAIT")
        .contains("Read timed out")
        .contains("Check that it answers there")
        .doesNotContain("\tat ");
  }

  /** Silent from the first message on: the pool's first connection, in its login. */
  @Test
  void shouldStopAStartWhoseFirstConnectionPostgresqlWentSilentOn(CapturedOutput output)
      throws Exception {
    assertThat(startSilencedAt("")).hasStackTraceContaining("timed out");

    assertThat(LastLogLines.of(output))
        .contains("APPLICATION FAILED TO START")
        .contains("PT2CACHE_DB_CONNECTION_WAIT_MS")
        // the host and port are not all there is to check where the attempt timed out
        .contains("took the connection and said nothing")
        .doesNotContain("\tat ");
  }

  /**
   * A pending migration may rightly work for minutes without a word (an index built {@code
   * CONCURRENTLY} on a large table): the start's bound must not cut it.
   */
  @Test
  void shouldNotCutAPendingMigrationThatWorksLongerThanTheAnswerWait() {
    String schema = "slow_" + UUID.randomUUID().toString().replace("-", "");
    try (HikariDataSource pool = new HikariDataSource()) {
      pool.setJdbcUrl(ENV.get("PT2CACHE_DB_URL"));
      pool.setUsername(ENV.get("PT2CACHE_DB_USER"));
      pool.setPassword(ENV.get("PT2CACHE_DB_PASSWORD"));
      Flyway flyway =
          Flyway.configure()
              .dataSource(new AnswerWait.Bounding(pool, 1000))
              .schemas(schema)
              .locations("classpath:db/slow-migration")
              .load();
      AnswerWait.requestStarted(); // as the starting thread is
      try {
        PostgresVersionCheck.migrate(flyway);
      } finally {
        AnswerWait.requestEnded();
      }
      assertThat(flyway.info().pending()).isEmpty();
      JdbcClient.create(pool).sql("drop schema " + schema + " cascade").update();
    }
  }

  /**
   * Starts an instance through a relay that goes silent once the start sends a statement holding
   * {@code text}; answers the failure the start ended with, and fails when it started, or was still
   * waiting when the test gave up after 60 s.
   */
  private static Throwable startSilencedAt(String text) throws Exception {
    try (SilentRelay relay = new SilentRelay(DATABASE.getHost(), DATABASE.getPort())) {
      relay.silenceOn(text);
      CompletableFuture<Throwable> ended = new CompletableFuture<>();
      Thread start =
          new Thread(
              () -> {
                try (ConfigurableApplicationContext started =
                    ServiceInstances.start(
                        Map.of(
                            "PT2CACHE_DB_URL",
                            "jdbc:postgresql://127.0.0.1:" + relay.port() + DATABASE.getPath(),
                            "PT2CACHE_DB_ANSWER_WAIT",
                            "2s",
                            "PT2CACHE_DB_LOCK_WAIT",
                            "1s",
                            "PT2CACHE_DB_CONNECTION_WAIT_MS",
                            "1000"))) {
                  ended.complete(null);
                } catch (Throwable failed) {
                  ended.complete(failed);
                }
              },
              "silenced-start");
      start.start();
      try {
        Throwable failure = ended.get(60, TimeUnit.SECONDS);
        assertThat(failure).as("the start's end while PostgreSQL was silent").isNotNull();
        return failure;
      } catch (TimeoutException stillWaiting) {
        throw new AssertionError("the start still waited after 60 s", stillWaiting);
      } finally {
        relay.resume(); // a start still waiting goes on, and ends
        start.join(TimeUnit.SECONDS.toMillis(60));
      }
    }
  }
}
