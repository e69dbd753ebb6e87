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
    Map<String, String> env = TestInfra.serviceEnvironment();
    URI database = URI.create(env.get("PT2CACHE_DB_URL").substring("jdbc:".length()));
    try (SilentRelay proxy = new SilentRelay(database.getHost(), database.getPort());
        HikariDataSource pool = new HikariDataSource()) {
      pool.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + proxy.port() + database.getPath());
      pool.setUsername(env.get("PT2CACHE_DB_USER"));
      pool.setPassword(env.get("PT2CACHE_DB_PASSWORD"));
      pool.setMaximumPoolSize(1);
      pool.setConnectionTimeout(1000);
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
}
