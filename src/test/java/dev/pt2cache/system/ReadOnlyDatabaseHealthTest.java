package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.LogLines;
import dev.pt2cache.support.ReadOnlyServer;
import dev.pt2cache.support.ServiceTest;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * Readiness stays up while PostgreSQL refuses writes (every hit is still served: docs/adr/0039),
 * but it says so: measured before, with the details shown ({@code PT2CACHE_HEALTH_DETAILS=always}),
 * a read-only database's {@code db} component read {@code {"database": "PostgreSQL"}}, as a
 * writable one's, and the log said nothing until a write came and was refused, which a fleet whose
 * nodes all hit never sends.
 */
@TestPropertySource(properties = "management.endpoint.health.show-details=always")
class ReadOnlyDatabaseHealthTest extends ServiceTest {

  @Autowired DataSource dataSource;

  @Test
  void shouldSayInReadinessAndTheLogThatTheDatabaseRefusesWrites() throws Exception {
    try (LogLines log = LogLines.capture()) {
      try {
        ReadOnlyServer.set(jdbc, dataSource, true);

        ApiResponse readiness = api.get("/actuator/health/readiness");
        assertThat(readiness.status()).as(readiness.text()).isEqualTo(200);
        assertThat(readiness.json().at("/components/db/status").asString()).isEqualTo("UP");
        assertThat(readiness.json().at("/components/db/details/writes").asString(""))
            .as(readiness.text())
            .contains("refused", "read-only");
        assertThat(log.warnings(DatabaseHealthIndicator.class.getName()))
            .anySatisfy(line -> assertThat(line).contains("database refuses writes", "read-only"));
      } finally {
        ReadOnlyServer.set(jdbc, dataSource, false);
      }
    }

    ApiResponse writable = api.get("/actuator/health/readiness");
    assertThat(writable.status()).as(writable.text()).isEqualTo(200);
    assertThat(writable.json().at("/components/db/details").has("writes"))
        .as(writable.text())
        .isFalse();
  }
}
