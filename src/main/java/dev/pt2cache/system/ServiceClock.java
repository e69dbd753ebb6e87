package dev.pt2cache.system;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcOperations;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The time by which this instance stamps and judges what other instances, or the database, also
 * read: when an artifact was declared and became ready, when its reservation ends, whether a token
 * or a rule has expired. It is the database's clock, as this instance last measured it: the
 * instance's own {@link Clock} plus how far that clock was off the database's at the last reading
 * (ADR 0006, amendment "one clock for the fleet").
 *
 * <p>The decisions the database makes in SQL (leases, renewals, grace periods, rules in force,
 * purge, job locks) read {@code now()} there; the ones taken here compared times the database had
 * written with the instance's own clock, so an instance two minutes behind let a token in and took
 * the bytes of a reservation for two minutes after the database held them expired, and one two
 * minutes ahead refused them two minutes early and stamped its artifacts two minutes ahead in the
 * order of least recent use. Asking the database at every decision would put a round trip on every
 * authenticated request (tokens are cached), so the offset is read again every {@link #EVERY}: a
 * clock stepped by NTP, or resumed from a pause, is followed within that, and the error otherwise
 * is half a round trip plus what the clock drifts in that time (milliseconds).
 */
@Component
public class ServiceClock {

  /** How often the offset from the database's clock is read again. */
  public static final Duration EVERY = Duration.ofSeconds(10);

  private static final Logger log = LoggerFactory.getLogger(ServiceClock.class);

  private final Clock clock;
  private final JdbcOperations jdbc;
  private volatile Duration offset = Duration.ZERO;

  /** Whether a reading has succeeded: until one does, the offset is unknown, not 0. */
  private volatile boolean known;

  /** The instance's own clock, never corrected: for tests of what does not reach a database. */
  public ServiceClock(Clock clock) {
    this.clock = clock;
    this.jdbc = null;
  }

  @Autowired
  ServiceClock(Clock clock, JdbcOperations jdbc, MeterRegistry registry) {
    this.clock = clock;
    this.jdbc = jdbc;
    // NaN until the first reading: a 0 said "in step" of a clock nobody had read yet, as when the
    // database went away during the start
    Gauge.builder(
            "pt2cache.clock.offset", this, c -> c.known ? c.offset.toNanos() / 1e9 : Double.NaN)
        .description(
            "How far the database's clock is ahead of this instance's (negative: behind), as last"
                + " read (NaN: not read yet); the service judges times by the database's")
        .baseUnit("seconds")
        .register(registry);
    follow();
  }

  /** Now by the database's clock, to the microsecond that PostgreSQL keeps. */
  public Instant now() {
    return clock.instant().plus(offset).truncatedTo(ChronoUnit.MICROS);
  }

  /**
   * Reads the database's clock and takes the difference to this instance's at the middle of the
   * round trip. A failed reading keeps the last offset: the database being away is told elsewhere.
   */
  @Scheduled(fixedDelay = 10, initialDelay = 10, timeUnit = TimeUnit.SECONDS)
  void follow() {
    if (jdbc == null) {
      return;
    }
    try {
      // a silent PostgreSQL held a scheduler thread for as long
      Duration measured =
          AnswerWait.bounded(() -> jdbc.execute((ConnectionCallback<Duration>) this::measure));
      if (measured.minus(offset).abs().compareTo(Duration.ofSeconds(1)) > 0) {
        log.info(
            "the database's clock is {} s ahead of this instance's (negative: behind); times are"
                + " judged by the database's",
            measured.toMillis() / 1000.0);
      }
      offset = measured;
      known = true;
    } catch (RuntimeException e) {
      log.debug("the database's clock could not be read; keeping an offset of {}", offset, e);
    }
  }

  /**
   * The offset over the query's own round trip, timed with the connection in hand: timed from
   * before the pool gave one, a wait for a busy pool's (up to its connection wait) counted as half
   * offset, and an instance whose pool was held for 3 s took the database's clock for 1.5 s ahead.
   */
  private Duration measure(Connection connection) throws SQLException {
    try (PreparedStatement query = connection.prepareStatement("select clock_timestamp()")) {
      long sent = System.nanoTime();
      Instant here = clock.instant();
      try (ResultSet result = query.executeQuery()) {
        result.next();
        Instant database = result.getObject(1, OffsetDateTime.class).toInstant();
        Duration halfTrip = Duration.ofNanos((System.nanoTime() - sent) / 2);
        return Duration.between(here.plus(halfTrip), database);
      }
    }
  }
}
