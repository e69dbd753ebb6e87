package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.ReadOnlyServer;
import dev.pt2cache.support.ServiceTest;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A PostgreSQL that turns read-only (a primary demoted to a standby, or an operator's {@code
 * default_transaction_read_only} while a failover is under way) refuses every write with SQL state
 * {@code 25006}. Measured before by hand: entry {@code PUT}s, declarations, namespace changes and
 * invalidations were answered {@code 500 internal-error} with a stack trace each, while lookups and
 * downloads went on. Writes are now {@code 503 database-writes-refused} with {@code Retry-After},
 * reads go on, readiness stays up (the instance serves every hit), and writes are taken again once
 * the database is writable, without a restart.
 */
class ReadOnlyDatabaseTest extends ServiceTest {

  @Autowired DataSource dataSource;

  @Test
  void shouldRefuseWritesWithA503AndServeReadsWhileTheDatabaseIsReadOnly() throws Exception {
    byte[] stored = "stored before".getBytes(StandardCharsets.UTF_8);
    ApiResponse before = api.putBytes(path("/entries/fx-graph/before"), stored);
    assertThat(before.status()).as(before.text()).isEqualTo(201);
    byte[] later = "sent while read-only".getBytes(StandardCharsets.UTF_8);
    try {
      readOnly(true);

      ApiResponse refused = api.putBytes(path("/entries/fx-graph/later"), later);
      assertProblem(refused, 503, "database-writes-refused");
      assertThat(refused.header("Retry-After")).isNotBlank();
      assertProblem(api.putJson(path(""), "{\"maxIdleDays\": 7}"), 503, "database-writes-refused");

      ApiResponse read = api.get(path("/entries/fx-graph/before"));
      assertThat(read.status()).as(read.text()).isEqualTo(200);
      assertThat(read.body()).isEqualTo(stored);
      ApiResponse readiness = api.get("/actuator/health/readiness");
      assertThat(readiness.status()).as(readiness.text()).isEqualTo(200);
    } finally {
      readOnly(false);
    }

    ApiResponse after = api.putBytes(path("/entries/fx-graph/later"), later);
    assertThat(after.status()).as(after.text()).isEqualTo(201);
  }

  private void readOnly(boolean on) throws SQLException {
    ReadOnlyServer.set(jdbc, dataSource, on);
  }
}
