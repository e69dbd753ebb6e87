package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.PasswordRoles;
import dev.pt2cache.support.ServiceInstances;
import dev.pt2cache.support.TestInfra;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The database password changed under a running instance ({@code ALTER ROLE ... PASSWORD}, as a
 * rotation does): PostgreSQL checks it at login only, so the instance serves on with the
 * connections it holds, and meets the change when its pools replace them (HikariCP's {@code
 * maxLifetime}, 30 minutes, each connection at its own time; here, their sessions ended). Before:
 * with the requests' pool's connections replaced, every lookup waited its 5 s and answered {@code
 * 503 database-unavailable} while readiness said {@code 200 UP} (the check's own, older connection
 * still answered), and the log's "database failed" named no credentials: "password authentication
 * failed" was the last cause of its stack trace. The role checks its password here ({@code
 * scram-sha-256} in {@code pg_hba.conf}, a line for this role alone: the embedded server trusts
 * every local login), and logs in as the suite's role ({@code ALTER ROLE ... SET role}), as the
 * procedure of docs/operations.md has it.
 */
@ExtendWith({DockerWhenContainers.class, OutputCaptureExtension.class})
@Tag("integration")
class DatabasePasswordRotationTest {

  @Test
  void shouldTrackWhatTheRequestsPoolCanServeAndRecoverOnceThePasswordWorks(CapturedOutput output)
      throws Exception {
    Map<String, String> env = TestInfra.serviceEnvironment();
    String role = "rotated_" + UUID.randomUUID().toString().substring(0, 8);
    // without the URL's own user (the embedded one names it there), which wins over the pool's
    String url = env.get("PT2CACHE_DB_URL").replaceFirst("\\?.*", "");
    try (Connection admin = TestInfra.adminConnection();
        Statement sql = admin.createStatement()) {
      List<String> hba = PasswordRoles.create(admin, role, "first");
      try (ConfigurableApplicationContext instance =
          ServiceInstances.start(
              Map.of(
                  "PT2CACHE_DB_URL",
                  url,
                  "PT2CACHE_DB_USER",
                  role,
                  "PT2CACHE_DB_PASSWORD",
                  "first",
                  "PT2CACHE_WARMUP",
                  "false"))) {
        ApiClient api = ServiceInstances.client(instance);
        HikariDataSource requests =
            instance.getBean(DataSource.class).unwrap(HikariDataSource.class);
        String lookup = Descriptors.lookup("mega-cache", Descriptors.of(Descriptors.uniqueModel()));
        assertThat(api.postJson("/v1/namespaces/default/lookups", lookup).status()).isEqualTo(200);
        assertReady(api, 200);
        List<Integer> pooled = pooledSessions(requests);

        sql.execute("alter role " + role + " password 'second'");
        end(sql, "usename = '" + role + "' and pid not in " + list(pooled));
        ApiResponse served = api.postJson("/v1/namespaces/default/lookups", lookup);
        assertThat(served.status())
            .as("the pool's connections serve on after the change: %s", served.text())
            .isEqualTo(200);
        // the check's first probe finds its connection ended (down, as for any connection lost);
        // the next logs in again, and is refused
        Awaitility.await()
            .atMost(Duration.ofSeconds(20))
            .untilAsserted(() -> assertReady(api, 200));
        assertThat(api.postJson("/v1/namespaces/default/lookups", lookup).status())
            .as("the check's own connection refused, the pool's serving")
            .isEqualTo(200);

        end(sql, "pid in " + list(pooled));
        ApiResponse refused = api.postJson("/v1/namespaces/default/lookups", lookup);
        assertThat(refused.status()).as(refused.text()).isEqualTo(503);
        assertThat(refused.text()).contains("database-unavailable");
        assertThat(assertReady(api, 503).at("/components/db/status").asString())
            .as("every request refused: out of service")
            .isEqualTo("DOWN");
        // the failures of a window (10 s) are logged once: the first was the ended session's
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    api.postJson("/v1/namespaces/default/lookups", lookup).status() == 503
                        && output.getAll().contains("database failed: PostgreSQL refused"));
        // in parts: the log is text or JSON (which escapes the quotes around the role's name) as
        // the contexts started before this one in the same JVM left it
        assertThat(output.getAll())
            .contains(
                "database failed: PostgreSQL refused this instance's credentials for a new"
                    + " connection (SQL state 28P01: FATAL: password authentication failed for"
                    + " user ")
            .containsPattern(role + "\\\\?\"\\): check PT2CACHE_DB_USER and PT2CACHE_DB_PASSWORD")
            .doesNotContain("'second'")
            .doesNotContain("'first'");

        sql.execute("alter role " + role + " password 'first'");
        Awaitility.await()
            .atMost(Duration.ofSeconds(15))
            .untilAsserted(
                () -> {
                  assertThat(api.postJson("/v1/namespaces/default/lookups", lookup).status())
                      .isEqualTo(200);
                  assertReady(api, 200);
                });
      } finally {
        end(sql, "usename = '" + role + "'");
        sql.execute("drop role " + role);
        PasswordRoles.writeHba(admin, hba);
      }
    }
  }

  private static tools.jackson.databind.JsonNode assertReady(ApiClient api, int status) {
    ApiResponse readiness = api.get("/actuator/health/readiness");
    assertThat(readiness.status()).as(readiness.text()).isEqualTo(status);
    return readiness.json();
  }

  /** The backends of every connection the requests' pool holds (it keeps them all, idle). */
  private static List<Integer> pooledSessions(HikariDataSource pool) throws SQLException {
    List<Connection> held = new ArrayList<>();
    List<Integer> pids = new ArrayList<>();
    try {
      for (int i = 0; i < pool.getMaximumPoolSize(); i++) {
        Connection connection = pool.getConnection();
        held.add(connection);
        try (Statement statement = connection.createStatement();
            ResultSet rs = statement.executeQuery("select pg_backend_pid()")) {
          rs.next();
          pids.add(rs.getInt(1));
        }
      }
    } finally {
      for (Connection connection : held) {
        connection.close();
      }
    }
    return pids;
  }

  private static String list(List<Integer> pids) {
    return pids.stream().map(String::valueOf).collect(Collectors.joining(",", "(", ")"));
  }

  /** Ends the sessions that {@code where} selects from {@code pg_stat_activity}. */
  private static void end(Statement sql, String where) throws SQLException {
    sql.execute("select pg_terminate_backend(pid) from pg_stat_activity where " + where);
  }
}
