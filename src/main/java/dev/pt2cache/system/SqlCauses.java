package dev.pt2cache.system;

import java.sql.SQLException;
import java.util.Optional;
import java.util.Set;

/** PostgreSQL's own error among a failure's causes, by its SQL state. */
public final class SqlCauses {

  private SqlCauses() {}

  /**
   * The first cause of {@code failure}, outermost first, that is an SQL error in one of {@code
   * states}. An error without a state (HikariCP's "Connection is closed") is in none.
   */
  public static Optional<SQLException> first(Throwable failure, Set<String> states) {
    return Causes.chain(failure).stream()
        .filter(t -> t instanceof SQLException sql && in(sql, states))
        .map(SQLException.class::cast)
        .findFirst();
  }

  /**
   * The deepest cause of {@code failure} that is an SQL error in one of {@code states}: where a
   * wrapper (HikariCP's, Hibernate's) carries the same state, the deepest is PostgreSQL's own, in
   * its own words. An error without a state (many carry none) is in none.
   */
  public static Optional<SQLException> deepest(Throwable failure, Set<String> states) {
    SQLException found = null;
    for (Throwable t : Causes.chain(failure)) {
      if (t instanceof SQLException sql && in(sql, states)) {
        found = sql;
      }
    }
    return Optional.ofNullable(found);
  }

  private static boolean in(SQLException sql, Set<String> states) {
    return sql.getSQLState() != null && states.contains(sql.getSQLState());
  }
}
