package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.ServiceInstances;
import dev.pt2cache.support.TestInfra;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * An instance that starts while PostgreSQL takes no more connections ({@code max_connections}, or
 * here the role's {@code CONNECTION LIMIT}, the same {@code 53300} without touching the shared
 * database's other users) stops at once, and says why in its log's last lines: measured by hand, a
 * 70-line stack trace that began with the entity manager's failure and ended, at its bottom, with
 * "too many connections for role".
 */
@ExtendWith({DockerWhenContainers.class, OutputCaptureExtension.class})
@Tag("integration")
class FullDatabaseAtStartTest {

  @Test
  void shouldStopSayingThatPostgresqlTakesNoMoreConnections(CapturedOutput output)
      throws Exception {
    Map<String, String> env = TestInfra.serviceEnvironment();
    String role = "full_" + UUID.randomUUID().toString().substring(0, 8);
    try (Connection admin = TestInfra.adminConnection();
        Statement sql = admin.createStatement()) {
      sql.execute("create role " + role + " login password 'full' connection limit 0");
      try {
        assertThatThrownBy(
                () ->
                    ServiceInstances.start(
                            Map.of(
                                // without the URL's own user, which wins over the pool's
                                "PT2CACHE_DB_URL",
                                env.get("PT2CACHE_DB_URL").replaceFirst("\\?.*", ""),
                                "PT2CACHE_DB_USER",
                                role,
                                "PT2CACHE_DB_PASSWORD",
                                "full"))
                        .close())
            .hasStackTraceContaining("too many connections for role");

        assertThat(output.getAll())
            .contains("APPLICATION FAILED TO START")
            .contains("PostgreSQL refused this instance's first connection (SQL state 53300")
            .contains("the database is at max_connections, or the role PT2CACHE_DB_USER at its")
            .contains("PT2CACHE_DB_POOL_SIZE + 1");
      } finally {
        sql.execute("drop role " + role);
      }
    }
  }
}
