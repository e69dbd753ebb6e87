package dev.pt2cache.problem;

import dev.pt2cache.system.Causes;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Set;

/** The database's own error, by its SQL state, wherever it lies among a failure's causes. */
final class SqlStates {

  private SqlStates() {}

  /**
   * The first cause of {@code failure} that is an SQL error in one of {@code states}. An error
   * without a state (Hikari's "Connection is closed") is in none.
   */
  static Optional<SQLException> find(Throwable failure, Set<String> states) {
    for (Throwable t : Causes.chain(failure)) {
      if (t instanceof SQLException sql
          && sql.getSQLState() != null
          && states.contains(sql.getSQLState())) {
        return Optional.of(sql);
      }
    }
    return Optional.empty();
  }
}
