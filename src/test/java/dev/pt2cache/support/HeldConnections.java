package dev.pt2cache.support;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Every connection of the service's pool, taken until closed: to the service's requests, as if
 * PostgreSQL could not be reached (each waits its connection wait, then {@code 503
 * database-unavailable}).
 */
public final class HeldConnections implements AutoCloseable {

  private final List<Connection> held = new ArrayList<>();

  private HeldConnections() {}

  /** Takes every connection of {@code dataSource}'s pool. */
  public static HeldConnections every(DataSource dataSource) throws SQLException {
    HeldConnections connections = new HeldConnections();
    try {
      int size = dataSource.unwrap(HikariDataSource.class).getMaximumPoolSize();
      for (int i = 0; i < size; i++) {
        connections.held.add(dataSource.getConnection());
      }
    } catch (SQLException | RuntimeException e) {
      connections.close();
      throw e;
    }
    return connections;
  }

  /** The connections taken, each usable by the test. */
  public List<Connection> connections() {
    return List.copyOf(held);
  }

  @Override
  public void close() throws SQLException {
    for (Connection connection : held) {
      connection.close();
    }
    held.clear();
  }
}
