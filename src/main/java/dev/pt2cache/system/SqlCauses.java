package dev.pt2cache.system;

import java.sql.SQLException;
import java.util.Optional;
import java.util.Set;

/** PostgreSQL's own error among a failure's causes, by its SQL state. */
final class SqlCauses {

  private SqlCauses() {}

  /**
   * The deepest cause of {@code failure} that is an SQL error in one of {@code states}: where a
   * wrapper (HikariCP's, Hibernate's) carries the same state, the deepest is PostgreSQL's own, in
   * its own words. An error without a state (many carry none) is in none.
   */
  static Optional<SQLException> deepest(Throwable failure, Set<String> states) {
    SQLException found = null;
    for (Throwable t : Causes.chain(failure)) {
      if (t instanceof SQLException sql
          && sql.getSQLState() != null
          && states.contains(sql.getSQLState())) {
        found = sql;
      }
    }
    return Optional.ofNullable(found);
  }
}
