package dev.pt2cache.system;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/**
 * Actuator health {@code db}, in place of Spring Boot's, which asks the connection {@code
 * isValid(0)}: no time limit, so a PostgreSQL that stopped answering (a stopped process, a dropped
 * route) held every readiness probe until it came back, and readiness never said down. This one
 * waits for a connection at most as long as a request does ({@code PT2CACHE_DB_CONNECTION_WAIT_MS})
 * and then at most {@link #VALID_WITHIN_SECONDS} for the database's answer.
 *
 * <p>The connection is one of its own, outside the requests' pool. Taken from that pool, a lookup
 * storm (every connection busy, hundreds of requests waiting for one) made the check wait in the
 * same queue and say down now and then, although PostgreSQL answered every request it got: an
 * orchestrator would take the instance out of service when it is busiest, and a fleet's storm that
 * loads every instance alike could take them all out at once (docs/adr/0024).
 */
@Component("dbHealthIndicator")
class DatabaseHealthIndicator extends AbstractHealthIndicator implements DisposableBean {

  static final int VALID_WITHIN_SECONDS = 2;

  private final DataSource dataSource;
  private final HikariDataSource owned;
  private final HikariDataSource requests;
  private final RecurringFailureLog failures =
      RecurringFailureLog.warnEveryMinute(
          DatabaseHealthIndicator.class, "database health check failed");
  private final RecurringFailureLog readOnly =
      RecurringFailureLog.warnEveryMinute(
          DatabaseHealthIndicator.class, "database refuses writes; reads go on");

  /**
   * Checks with a connection of its own to the requests' database, with their credentials, when
   * {@code requests} is the pool they take theirs from; with {@code requests} itself otherwise.
   */
  DatabaseHealthIndicator(DataSource requests) {
    super("PostgreSQL is not reachable");
    this.requests = pool(requests);
    this.owned = this.requests != null ? ownConnection(this.requests) : null;
    this.dataSource = owned != null ? owned : requests;
  }

  /** The HikariCP pool behind {@code dataSource} (wrapped: {@link AnswerWait}), or null. */
  static HikariDataSource pool(DataSource dataSource) {
    try {
      return dataSource.isWrapperFor(HikariDataSource.class)
          ? dataSource.unwrap(HikariDataSource.class)
          : null;
    } catch (SQLException e) {
      return null;
    }
  }

  /**
   * One connection, opened when first asked for (so a database down at start fails the check, not
   * the start) and waited for as long as a request waits for one of the requests' pool.
   */
  static HikariDataSource ownConnection(HikariDataSource requests) {
    HikariDataSource own = new HikariDataSource();
    own.setPoolName("pt2cache-health");
    own.setJdbcUrl(requests.getJdbcUrl());
    own.setUsername(requests.getUsername());
    own.setPassword(requests.getPassword());
    own.setDataSourceProperties(requests.getDataSourceProperties());
    own.setMaximumPoolSize(1);
    own.setMinimumIdle(0);
    own.setConnectionTimeout(requests.getConnectionTimeout());
    own.setInitializationFailTimeout(-1);
    return own;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    try (Connection connection = dataSource.getConnection()) {
      Optional<Answer> answer = ask(connection);
      Optional<String> starved = answer.isPresent() ? requestsCannotConnect() : Optional.empty();
      if (starved.isPresent()) {
        builder.down().withDetail("error", starved.get());
      } else if (answer.isPresent()) {
        builder.up().withDetail("database", connection.getMetaData().getDatabaseProductName());
        answer.get().writesRefused().ifPresent(why -> builder.withDetail("writes", why));
      } else {
        String error = "PostgreSQL did not answer within " + VALID_WITHIN_SECONDS + " seconds";
        // health shows no details by default: the log is where an operator finds the cause
        failures.failed(new SQLException(error));
        builder.down().withDetail("error", error);
      }
    } catch (SQLException | RuntimeException e) {
      // caught here, not by the base class, which logs a stack trace for every probe that
      // fails (or that carries an exception)
      Optional<String> refused = RefusedLogin.describe(e);
      failures.failed(e, refused.orElse(null));
      if (fullWhileServing(e)) {
        builder.up().withDetail("connections", "PostgreSQL takes no more; requests use the pool's");
      } else if (refused.isPresent() && requestsPoolHolds()) {
        builder
            .up()
            .withDetail(
                "connections",
                "PostgreSQL refuses this instance's credentials for new connections; requests use"
                    + " the pool's until it replaces them");
      } else {
        builder.down().withDetail("error", e.toString());
      }
    }
  }

  /** What PostgreSQL answered the check: why it refuses writes, if it does. */
  private record Answer(Optional<String> writesRefused) {}

  /**
   * PostgreSQL's answer within {@link #VALID_WITHIN_SECONDS}, empty when none came: why it refuses
   * writes ({@link DatabaseWrites#refusal}), when a transaction of this connection would be
   * read-only (a standby a failover pointed the service at, or {@code
   * default_transaction_read_only} set by an operator), else nothing. Refusing writes is still up,
   * since every hit is served (docs/adr/0039), but said: in the details and in the log once a
   * minute, which otherwise speaks only when a write is refused, and a fleet whose nodes all hit
   * sends none.
   *
   * <p>One round trip, in place of {@code isValid} and then this question, bounded as {@code
   * isValid} bounds its own: by the socket's read timeout. A query timeout did not bound it: pgjdbc
   * sends a cancel request that a silent server never acts on, so a database that went silent after
   * {@code isValid} answered (a route dropped, a host stopped) held the probe for ever, and with it
   * the check's one connection (DatabaseHealthIndicatorTest). One question also keeps a probe's
   * cost and longest wait what they were before it was asked: one round trip, 2 s.
   */
  private Optional<Answer> ask(Connection connection) throws SQLException {
    int before = connection.getNetworkTimeout();
    connection.setNetworkTimeout(Runnable::run, VALID_WITHIN_SECONDS * 1000);
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(DatabaseWrites.QUESTION)) {
      Optional<String> why = DatabaseWrites.refusal(rs);
      why.ifPresent(refusal -> readOnly.failed(null, refusal));
      return Optional.of(new Answer(why));
    } catch (SQLException e) {
      if (UnansweredStatement.describe(e, "", "").isPresent()) {
        return Optional.empty(); // pgjdbc closed the connection; the pool replaces it
      }
      throw e;
    } finally {
      if (!connection.isClosed()) {
        connection.setNetworkTimeout(Runnable::run, before);
      }
    }
  }

  /**
   * Whether PostgreSQL refused this check's own connection for being at its connection limit while
   * the requests' pool holds connections: it answers, and the instance serves with what it has.
   * Down, it would be taken out of service, and with it every instance whose check reconnects while
   * the database is full (its connection is replaced now and then), moving their load onto the
   * fewer left (docs/adr/0039).
   */
  private boolean fullWhileServing(Exception e) {
    return DatabaseFullAtStart.tooManyConnections(e).isPresent() && requestsPoolHolds();
  }

  /** Whether the requests' pool holds a connection, in use or not. */
  private boolean requestsPoolHolds() {
    // the pool's bean is there once a first connection was asked for, and stays once it closed
    HikariPoolMXBean pool = requests == null ? null : requests.getHikariPoolMXBean();
    return pool != null && !requests.isClosed() && pool.getTotalConnections() > 0;
  }

  /**
   * Why the requests' pool can serve nothing though this check's connection answers, empty when it
   * can: it holds no connection and cannot open one. The check's connection is older than the
   * pool's (each is replaced at HikariCP's {@code maxLifetime}, 30 minutes, at its own time): after
   * {@code ALTER ROLE ... PASSWORD}, a pool whose connections were replaced answered every request
   * {@code 503 database-unavailable} after its 5 s wait while readiness said up, for as long as the
   * check's connection lived. Only a pool that holds none is asked (a login of its own, waited for
   * as a request waits): one that holds connections serves with them, and a storm that takes them
   * all is busy, not down (docs/adr/0024).
   */
  private Optional<String> requestsCannotConnect() {
    if (owned == null || requests.isClosed() || requestsPoolHolds()) {
      return Optional.empty();
    }
    try (Connection connection = requests.getConnection()) {
      return Optional.empty();
    } catch (SQLException e) {
      String why =
          RefusedLogin.describe(e)
              .orElse("the requests' pool holds no connection and cannot open one: " + e);
      failures.failed(e, why);
      return Optional.of(why);
    }
  }

  @Override
  public void destroy() {
    if (owned != null) {
      owned.close();
    }
  }
}
