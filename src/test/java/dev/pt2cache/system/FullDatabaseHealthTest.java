package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.TestInfra;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.health.contributor.Status;

/**
 * PostgreSQL at its connection limit ({@code max_connections}, or the role's {@code CONNECTION
 * LIMIT}) refuses new sessions with {@code 53300} while it serves those it has. The readiness check
 * opens a connection of its own (ADR 0024), and it is the one refused: measured by hand with the
 * embedded default filled to its 300 connections, the requests' pool went on serving (an entry
 * {@code GET} 200, a {@code PUT} 201) while readiness said {@code 503 DOWN} after 5.1 s, so an
 * orchestrator would have taken the instance out of service, and every instance of a fleet whose
 * checks reconnect while the database is full. It now says up while the requests' pool holds a
 * connection, and down once it holds none. The limit is the role's here, so that the shared
 * database's other users are untouched.
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class FullDatabaseHealthTest {

  @Test
  void shouldStayUpWhileTheRequestsPoolHoldsConnectionsOfAFullDatabase() throws Exception {
    Map<String, String> env = TestInfra.serviceEnvironment();
    String role = "limited_" + UUID.randomUUID().toString().substring(0, 8);
    // without the URL's own user (the embedded one names it there), which wins over the pool's
    String url = env.get("PT2CACHE_DB_URL").replaceFirst("\\?.*", "");
    try (Connection admin = TestInfra.adminConnection();
        Statement sql = admin.createStatement()) {
      sql.execute("create role " + role + " login password 'limited' connection limit 1");
      try (HikariDataSource requests = new HikariDataSource()) {
        requests.setJdbcUrl(url);
        requests.setUsername(role);
        requests.setPassword("limited");
        requests.setMaximumPoolSize(1);
        requests.setConnectionTimeout(500);
        // started as the service's is at start, by a first request (Flyway's)
        requests.getConnection().close();
        DatabaseHealthIndicator health = new DatabaseHealthIndicator(requests);
        try {
          assertThat(requests.getHikariPoolMXBean().getTotalConnections())
              .as("the role's one connection, taken by the requests' pool")
              .isEqualTo(1);

          assertThat(health.health(true).getStatus()).isEqualTo(Status.UP);

          requests.close();
          try (Connection other = takeTheSlot(sql, url, role)) {
            assertThat(health.health(true).getStatus())
                .as("the pool holds no connection, and the database takes none")
                .isEqualTo(Status.DOWN);
          }
        } finally {
          health.destroy();
        }
      } finally {
        // the role's sessions go before it can be dropped
        sql.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity where usename = '"
                + role
                + "'");
        sql.execute("drop role " + role);
      }
    }
  }

  /**
   * The role's one connection, once no other session holds it: the closed pool's session ends a
   * moment after it closes, and the check's own pool may open one as it goes (an attempt begun
   * while the slot was taken, late on a loaded machine: CI of 2026-12-06 waited 20 s for it). Each
   * try ends the role's sessions first; a connection of the check's ended so is found dead at its
   * next use, and the check answers without it.
   */
  private static Connection takeTheSlot(Statement admin, String url, String role) {
    return Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptions()
        .until(
            () -> {
              admin.execute(
                  "select pg_terminate_backend(pid) from pg_stat_activity where usename = '"
                      + role
                      + "'");
              return DriverManager.getConnection(url, role, "limited");
            },
            Objects::nonNull);
  }
}
