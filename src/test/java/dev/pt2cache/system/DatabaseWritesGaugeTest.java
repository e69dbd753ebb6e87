package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pt2cache.support.ReadOnlyServer;
import dev.pt2cache.support.ServiceTest;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * An operator is paged while PostgreSQL refuses writes, whatever the fleet sends: measured before,
 * {@code Pt2cacheDependencyUnavailable} fired only above 0.1 refused writes a second, so a fleet
 * whose nodes mostly hit was never paged while no compile could be shared, and the only other signs
 * were readiness's details and a WARN, both only when something probed readiness. The gauge is read
 * on a schedule of its own: nothing here asks for health, and the scrape asks no query.
 */
@TestPropertySource(properties = "pt2cache.database.writes-check-interval=200ms")
class DatabaseWritesGaugeTest extends ServiceTest {

  private static final String GAUGE = "pt2cache_database_writes_refused";

  @Autowired DataSource dataSource;

  @Test
  void shouldShowOneWhileTheDatabaseRefusesWritesAndZeroOnceItTakesThem() throws Exception {
    // 0 once read, not NaN (not read yet), which metric() would take for 0
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> assertThat(scraped()).containsPattern("(?m)^" + GAUGE + "\\{[^}]*} 0\\.0$"));
    assertThat(scraped()).containsPattern("# HELP " + GAUGE + " \\S");
    try {
      ReadOnlyServer.set(jdbc, dataSource, true);
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(metric(GAUGE, "[^}]*")).isEqualTo(1));
    } finally {
      ReadOnlyServer.set(jdbc, dataSource, false);
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(metric(GAUGE, "[^}]*")).isZero());
  }

  private String scraped() {
    return api.get("/actuator/prometheus").text();
  }
}
