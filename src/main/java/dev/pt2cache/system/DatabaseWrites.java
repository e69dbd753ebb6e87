package dev.pt2cache.system;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcOperations;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Whether PostgreSQL refuses writes (a standby after a failover, {@code
 * default_transaction_read_only}), as the gauge {@code pt2cache_database_writes_refused}: 1 while
 * it does, 0 while it takes them, NaN until a first reading. The alert on refused writes' rate
 * paged only above 0.1 a second, so a fleet whose nodes mostly hit was never paged while no compile
 * could be shared; readiness's details say it too, but only to whoever probes. Read every {@code
 * pt2cache.database.writes-check-interval} (10 s) on the requests' pool, so a scrape asks no query;
 * a failed reading keeps the last value (the database away is told by readiness and its own alert).
 * A full disk is not seen this way: finding it would take a write (docs/adr/0039).
 */
@Component
class DatabaseWrites {

  private static final Logger log = LoggerFactory.getLogger(DatabaseWrites.class);

  private final JdbcOperations jdbc;
  private volatile double refused = Double.NaN;

  DatabaseWrites(JdbcOperations jdbc, MeterRegistry registry) {
    this.jdbc = jdbc;
    Gauge.builder("pt2cache.database.writes.refused", this, w -> w.refused)
        .description(
            "1 while PostgreSQL refuses writes (read-only, or a standby in recovery), 0 while it"
                + " takes them, as this instance last read it (NaN: not read yet)")
        .register(registry);
  }

  @Scheduled(fixedDelayString = "${pt2cache.database.writes-check-interval:10s}", initialDelay = 0)
  void read() {
    try {
      // a silent PostgreSQL held a scheduler thread for as long
      Optional<String> why =
          AnswerWait.bounded(
              () -> jdbc.execute((ConnectionCallback<Optional<String>>) DatabaseWrites::refusal));
      refused = why.isPresent() ? 1 : 0;
    } catch (RuntimeException e) {
      log.debug("whether the database refuses writes could not be read; keeping {}", refused, e);
    }
  }

  /** Whether a transaction would be read-only, and whether PostgreSQL is a standby. */
  static final String QUESTION =
      "select current_setting('transaction_read_only') = 'on', pg_is_in_recovery()";

  /**
   * Why PostgreSQL refuses writes, when a transaction of {@code connection} would be read-only: a
   * standby (a failover that pointed the service at one) or {@code default_transaction_read_only}
   * set by an operator; empty while it takes them. Bounded by whoever asks: here the requests'
   * answer wait, in the health check the check's own (a query timeout would not bound it: pgjdbc
   * sends a cancel that a silent server never acts on).
   */
  static Optional<String> refusal(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(QUESTION)) {
      return refusal(rs);
    }
  }

  /** What {@link #QUESTION}'s answer says. */
  static Optional<String> refusal(ResultSet rs) throws SQLException {
    if (!rs.next() || !rs.getBoolean(1)) {
      return Optional.empty();
    }
    return Optional.of(
        rs.getBoolean(2)
            ? "refused: PostgreSQL is a standby in recovery (a failover pointed here?)"
            : "refused: PostgreSQL is read-only (default_transaction_read_only = on)");
  }
}
