package dev.pt2cache.support;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Rows locked by a session of the test's own that keeps them until it is closed: as a transaction
 * of an instance frozen mid-way, or an operator's session left open, holds them.
 */
public final class HeldRows {

  private HeldRows() {}

  /** Runs {@code sql} (a {@code select ... for update}, say) with one parameter, and stays open. */
  public static Connection holding(DataSource dataSource, String sql, Object parameter)
      throws SQLException {
    Connection holder = dataSource.getConnection();
    try {
      holder.setAutoCommit(false);
      try (PreparedStatement lock = holder.prepareStatement(sql)) {
        lock.setObject(1, parameter);
        lock.execute();
      }
      return holder;
    } catch (SQLException | RuntimeException e) {
      holder.close();
      throw e;
    }
  }
}
