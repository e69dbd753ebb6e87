package dev.pt2cache.support;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
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
  }
}
