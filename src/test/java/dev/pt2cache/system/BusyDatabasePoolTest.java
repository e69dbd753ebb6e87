package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.ServiceTest;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A storm of requests that takes every connection of the requests' pool leaves readiness up: the
 * database answers, the instance is busy, and taking it out of service would move its load onto the
 * others. Measured before: 2,000 lookups at once against the embedded default kept the pool's 20
 * connections taken with up to 1,983 requests waiting for one, and readiness, which waited in that
 * queue, took up to 5.3 s and answered {@code 503 DOWN} twice in 40 probes. The requests beyond the
 * pool still get {@code 503 database-unavailable} with {@code Retry-After}.
 */
class BusyDatabasePoolTest extends ServiceTest {

  @Autowired DataSource dataSource;

  @Test
  void shouldStayReadyWhileRequestsHoldEveryPooledConnection() throws Exception {
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    String lookup = Descriptors.lookup("mega-cache", descriptor);
    int size = dataSource.unwrap(HikariDataSource.class).getMaximumPoolSize();
    List<Connection> held = new ArrayList<>();
    try {
      for (int i = 0; i < size; i++) {
        held.add(dataSource.getConnection());
      }
      assertThat(
              dataSource.unwrap(HikariDataSource.class).getHikariPoolMXBean().getIdleConnections())
          .as("every pooled connection taken, as by a storm")
          .isZero();

      ApiResponse readiness = api.get("/actuator/health/readiness");
      assertThat(readiness.status()).as(readiness.text()).isEqualTo(200);
      assertThat(readiness.json().at("/components/db/status").asString()).isEqualTo("UP");

      ApiResponse beyond = api.postJson(path("/lookups"), lookup);
      assertProblem(beyond, 503, "database-unavailable");
      assertThat(beyond.header("Retry-After")).isNotBlank();
    } finally {
      for (Connection connection : held) {
        connection.close();
      }
    }

    ApiResponse after = api.postJson(path("/lookups"), lookup);
    assertThat(after.status()).as(after.text()).isEqualTo(200);
  }
}
