package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.pt2cache.support.HeldConnections;
import dev.pt2cache.support.ServiceTest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.callback.Callback;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A migration's {@code set lock_timeout} (V17) ends with it (docs/adr/0026): it neither cancels the
 * next migration's concurrent index build (V18) nor stays on the pooled connection Flyway used.
 */
class MigrationSessionResetTest extends ServiceTest {

  @Autowired DataSource requests;

  private HikariDataSource dataSource;

  /** The requests' pool behind its wrapper ({@code AnswerWait}). */
  @BeforeEach
  void pool() throws Exception {
    dataSource = requests.unwrap(HikariDataSource.class);
  }

  /** The service's own Flyway callbacks, as its migration at start runs them. */
  @Autowired ObjectProvider<Callback> callbacks;

  @Test
  void shouldLeaveNoPooledConnectionWithTheLockTimeoutOfAMigration() throws Exception {
    List<String> timeouts = new ArrayList<>();
    try (HeldConnections held = HeldConnections.every(dataSource)) {
      for (Connection connection : held.connections()) {
        try (var statement = connection.createStatement();
            var result = statement.executeQuery("show lock_timeout")) {
          result.next();
          timeouts.add(result.getString(1));
        }
      }
    }
    assertThat(timeouts).containsOnly("0");
  }

  @Test
  void shouldBuildTheKeyIndexWhileAnOlderTransactionOutlastsFiveSeconds() throws Exception {
    String database = "migrations_" + UUID.randomUUID().toString().replace("-", "");
    jdbc.sql("create database " + database).update();
    String url = dataSource.getJdbcUrl().replaceFirst("/[^/?]+(\\?|$)", "/" + database + "$1");
    try {
      Flyway flyway =
          Flyway.configure()
              .dataSource(url, dataSource.getUsername(), dataSource.getPassword())
              .locations("classpath:db/migration")
              .configuration(Map.of("flyway.postgresql.transactional.lock", "false"))
              .callbacks(callbacks.orderedStream().toArray(Callback[]::new))
              .load();
      Flyway upToV16 =
          Flyway.configure().configuration(flyway.getConfiguration()).target("16").load();
      upToV16.migrate();
      // V17 (the key index built concurrently) and every migration after it
      int pending = flyway.info().pending().length;
      assertThat(pending).isGreaterThanOrEqualTo(2);
      try (Connection older =
          DriverManager.getConnection(url, dataSource.getUsername(), dataSource.getPassword())) {
        // a transaction with a snapshot, on no table of V17's: a concurrent build waits for it
        older.setAutoCommit(false);
        older.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        try (var statement = older.createStatement()) {
          statement.execute("select 1");
        }
        CompletableFuture<Integer> migrated =
            CompletableFuture.supplyAsync(() -> flyway.migrate().migrationsExecuted);
        Thread.sleep(7_000);
        older.commit();
        assertThat(migrated.get(60, TimeUnit.SECONDS)).isEqualTo(pending);
      }
      try (Connection check =
              DriverManager.getConnection(url, dataSource.getUsername(), dataSource.getPassword());
          var statement = check.createStatement();
          var result =
              statement.executeQuery(
                  "select indisvalid from pg_index"
                      + " where indexrelid = 'invalidation_by_idempotency_key'::regclass")) {
        assertThat(result.next()).isTrue();
        assertThat(result.getBoolean(1)).isTrue();
      }
    } finally {
      jdbc.sql("drop database if exists " + database + " with (force)").update();
    }
  }
}
