package dev.pt2cache.support;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Turns the whole PostgreSQL server read-only, or writable again, as a failover would (a primary
 * demoted to a standby, an operator's {@code default_transaction_read_only}): through its
 * configuration, reloaded; the pool's connections are replaced, so each one runs with it.
 */
public final class ReadOnlyServer {

  private ReadOnlyServer() {}

  public static void set(JdbcClient jdbc, DataSource dataSource, boolean on) throws SQLException {
    jdbc.sql(
            on
                ? "alter system set default_transaction_read_only = on"
                : "alter system reset default_transaction_read_only")
        .update();
    jdbc.sql("select pg_reload_conf()").query((ResultSet rs) -> {});
    dataSource.unwrap(HikariDataSource.class).getHikariPoolMXBean().softEvictConnections();
    untilSessionsSee(jdbc, on ? "on" : "off");
  }

  /**
   * {@code pg_reload_conf()} only signals the postmaster, which reads the file and then signals
   * every session; on a loaded machine that lands after the next question. A new session sees the
   * setting once the postmaster has read it, and by then every other session has been told (a
   * health check's own connection among them): a test that asked at once saw the old value.
   */
  private static void untilSessionsSee(JdbcClient jdbc, String value) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> jdbc.sql("show default_transaction_read_only").query(String.class).single(),
            value::equals);
  }
}
