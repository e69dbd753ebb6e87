package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.zaxxer.hikari.HikariDataSource;
import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.SilentRelay;
import dev.pt2cache.support.TestInfra;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * A PostgreSQL that stops answering (its process stopped, its route dropped) turns readiness down
 * within seconds. Spring Boot's own check asked the connection {@code isValid(0)}, without a time
 * limit, and held every probe until the database came back.
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class DatabaseHealthIndicatorTest {

  @Test
  void shouldSayDownSoonWhenTheDatabaseStopsAnswering() throws Exception {
    try (SilentRelay proxy = relay();
        HikariDataSource pool = pool(proxy)) {
      DatabaseHealthIndicator health = new DatabaseHealthIndicator(pool);
      try {
        assertThat(health.health(true).getStatus()).isEqualTo(Status.UP);

        proxy.silence();

        assertTimeoutPreemptively(
            Duration.ofSeconds(30),
            () -> assertThat(health.health(true).getStatus()).isEqualTo(Status.DOWN));
      } finally {
        health.destroy();
      }
    }
  }

  /**
   * The check asks whether PostgreSQL refuses writes (docs/adr/0039) after it knows the database
   * answers: a database that goes silent at that very question (a route dropped, a host stopped,
   * between one round trip and the next) must bound it as the first. A query timeout alone did not:
   * pgjdbc's is a cancel request that a silent server never acts on, so the probe waited for ever,
   * holding the check's one connection, and every later probe waited for it.
   */
  @Test
  void shouldSayDownSoonWhenTheDatabaseStopsAnsweringAtTheWritesQuestion() throws Exception {
    try (SilentRelay proxy = relay();
        HikariDataSource pool = pool(proxy)) {
      DatabaseHealthIndicator health = new DatabaseHealthIndicator(pool);
      try {
        assertThat(health.health(true).getStatus()).isEqualTo(Status.UP);

        proxy.silenceOn("transaction_read_only");

        Health silent =
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> health.health(true));
        assertThat(silent.getStatus()).as(silent.toString()).isEqualTo(Status.DOWN);

        proxy.resume();

        assertTimeoutPreemptively(
            Duration.ofSeconds(30),
            () -> assertThat(health.health(true).getStatus()).isEqualTo(Status.UP));
      } finally {
        health.destroy();
      }
    }
  }

  private static SilentRelay relay() throws Exception {
    URI database = URI.create(env().get("PT2CACHE_DB_URL").substring("jdbc:".length()));
    return new SilentRelay(database.getHost(), database.getPort());
  }

  private static HikariDataSource pool(SilentRelay proxy) {
    Map<String, String> env = env();
    URI database = URI.create(env.get("PT2CACHE_DB_URL").substring("jdbc:".length()));
    HikariDataSource pool = new HikariDataSource();
    pool.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + proxy.port() + database.getPath());
    pool.setUsername(env.get("PT2CACHE_DB_USER"));
    pool.setPassword(env.get("PT2CACHE_DB_PASSWORD"));
    pool.setMaximumPoolSize(1);
    pool.setConnectionTimeout(1000);
    return pool;
  }

  private static Map<String, String> env() {
    return TestInfra.serviceEnvironment();
  }
}
