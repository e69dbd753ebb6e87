package dev.pt2cache.system;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/**
 * Actuator health {@code db}, in place of Spring Boot's, which asks the connection {@code
 * isValid(0)}: no time limit, so a PostgreSQL that stopped answering (a stopped process, a dropped
 * route) held every readiness probe until it came back, and readiness never said down. This one
 * waits for a pooled connection as a request does ({@code PT2CACHE_DB_CONNECTION_WAIT_MS}) and then
 * at most {@link #VALID_WITHIN_SECONDS} for the database's answer.
 */
@Component("dbHealthIndicator")
class DatabaseHealthIndicator extends AbstractHealthIndicator {

  static final int VALID_WITHIN_SECONDS = 2;

  private final DataSource dataSource;
  private final RecurringFailureLog failures =
      RecurringFailureLog.warnEveryMinute(
          DatabaseHealthIndicator.class, "database health check failed");

  DatabaseHealthIndicator(DataSource dataSource) {
    super("PostgreSQL is not reachable");
    this.dataSource = dataSource;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    try (Connection connection = dataSource.getConnection()) {
      if (connection.isValid(VALID_WITHIN_SECONDS)) {
        builder.up().withDetail("database", connection.getMetaData().getDatabaseProductName());
      } else {
        String error = "PostgreSQL did not answer within " + VALID_WITHIN_SECONDS + " seconds";
        // health shows no details by default: the log is where an operator finds the cause
        failures.failed(new SQLException(error));
        builder.down().withDetail("error", error);
      }
    } catch (SQLException | RuntimeException e) {
      // caught here, not by the base class, which logs a stack trace for every probe that
      // fails (or that carries an exception)
      failures.failed(e);
      builder.down().withDetail("error", e.toString());
    }
  }
}
