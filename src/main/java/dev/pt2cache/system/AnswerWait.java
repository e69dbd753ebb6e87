package dev.pt2cache.system;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.env.PropertyResolver;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The longest a request waits for PostgreSQL's answer to one of its statements ({@code
 * PT2CACHE_DB_ANSWER_WAIT}; unset, 20 s or the lock wait and 5 s, whichever is longer: {@link
 * #configured}): the socket read timeout of each connection a request takes from the pool ({@link
 * Connection#setNetworkTimeout}), which the pool puts back when the connection returns. Past it
 * pgjdbc closes the connection and fails the statement with {@code 08006}: the pool throws the
 * connection away, and the request is answered {@code 503 database-unavailable} with {@code
 * Retry-After}.
 *
 * <p>Before, a request whose statement PostgreSQL had taken and then gone silent on (a stopped
 * backend or host, a route dropped without a reset, a failover whose old primary stops answering)
 * waited for ever: pgjdbc's socket has no read timeout unless one is set, and neither {@code
 * statement_timeout} nor {@code lock_timeout} helps, since a silent server enforces nothing. Set
 * per request rather than for the pool (pgjdbc's {@code socketTimeout}): Flyway's migrations take
 * their connections outside a request and wait as before; scheduled work of a request's size (the
 * hit flush, the gauges, the clock's reading, the job locks' rows) takes the same bound ({@link
 * #bounded(Supplier)}), housekeeping's rounds a longer one ({@link #bounded(Duration, Supplier)});
 * a non-blocking invalidation, whose one statement retires every match, lifts it ({@link #lifted})
 * (docs/adr/0039).
 */
@Component
public class AnswerWait {

  /**
   * The bound of the connections the current thread takes: {@link #REQUEST} (the configured answer
   * wait), a job's own in milliseconds ({@link #bounded(Duration, Supplier)}), or none (null).
   */
  private static final ThreadLocal<Integer> BOUND = new ThreadLocal<>();

  private static final Integer REQUEST = -1;
  private static final Executor UNUSED = Runnable::run;

  private final DataSource dataSource;

  AnswerWait(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  private static final Duration DEFAULT = Duration.ofSeconds(20);
  private static final Duration OVER_LOCK_WAIT = Duration.ofSeconds(5);

  /**
   * The bound the settings give: {@code PT2CACHE_DB_ANSWER_WAIT} where set, else 20 s or {@code
   * PT2CACHE_DB_LOCK_WAIT} and 5 s, whichever is longer. A fixed 20 s default refused the start of
   * an instance whose lock wait had been raised to 20 s or more, which started before the answer
   * wait existed (the two must keep a request's lock wait from being cut as a silent database).
   */
  public static Duration configured(PropertyResolver settings) {
    Duration answerWait = duration(settings.getProperty("pt2cache.database.answer-wait"));
    if (answerWait != null) {
      return answerWait;
    }
    Duration lockWait = duration(settings.getProperty("pt2cache.database.lock-wait"));
    if (lockWait == null || lockWait.isZero()) {
      return DEFAULT;
    }
    Duration over = lockWait.plus(OVER_LOCK_WAIT);
    return over.compareTo(DEFAULT) > 0 ? over : DEFAULT;
  }

  /** A duration as Spring reads it; null when unset, empty or unreadable. */
  static Duration duration(String value) {
    try {
      return value == null || value.isBlank() ? null : DurationStyle.detectAndParse(value.strip());
    } catch (IllegalArgumentException | ArithmeticException e) {
      return null;
    }
  }

  /** The bound in milliseconds, as {@link Connection#setNetworkTimeout} takes it; 0: none. */
  static int millis(Duration wait) {
    if (wait.isNegative()) {
      throw new IllegalStateException(
          "PT2CACHE_DB_ANSWER_WAIT must not be negative (0s: no bound), not " + wait);
    }
    return (int) Math.min(LockWait.millisRoundedUp(wait), Integer.MAX_VALUE);
  }

  /** Marks the current thread as serving a request until {@link #requestEnded}. */
  static void requestStarted() {
    BOUND.set(REQUEST);
  }

  static void requestEnded() {
    BOUND.remove();
  }

  /**
   * Runs {@code work} as a request is run: the connections it takes wait at most the bound. For
   * scheduled work of a request's size that others wait for: the hit flush holds {@code
   * HitRecorder}'s monitor, which the flush on shutdown and retention's round wait for; the gauges,
   * the clock's reading and the job locks' rows share the scheduler's few threads with it.
   */
  public static <T> T bounded(Supplier<T> work) {
    return within(REQUEST, work);
  }

  /**
   * Runs {@code work} with connections that wait at most {@code wait} for each answer: for
   * housekeeping's rounds, whose statements are batched but larger than a request's, bounded by
   * their job lock's {@code lockAtMostFor}. Under {@link #bounded(Supplier)} inside it, the
   * request's bound applies; a wait of zero or less, none.
   */
  public static <T> T bounded(Duration wait, Supplier<T> work) {
    return within(wait.isNegative() || wait.isZero() ? null : millis(wait), work);
  }

  private static <T> T within(Integer bound, Supplier<T> work) {
    Integer outer = BOUND.get();
    BOUND.set(bound);
    try {
      return work.get();
    } finally {
      if (outer == null) {
        BOUND.remove();
      } else {
        BOUND.set(outer);
      }
    }
  }

  /**
   * Runs {@code work}, in the current transaction, with no bound on its connection's answers: for a
   * request's one statement that legitimately works long (a non-blocking invalidation of 10^6
   * matches runs past a minute). The pool puts the bound back when the connection returns.
   */
  @Transactional(propagation = Propagation.MANDATORY)
  public <T> T lifted(Supplier<T> work) {
    Connection connection = DataSourceUtils.getConnection(dataSource);
    try {
      connection.setNetworkTimeout(UNUSED, 0);
    } catch (SQLException e) {
      throw new IllegalStateException("could not lift the answer wait", e);
    }
    return work.get();
  }

  /**
   * Sets the bound on each connection taken within a request. The pool (HikariCP) notes the change
   * and resets the connection's timeout when it is returned, and evicts a connection whose read
   * timed out ({@code 08006}).
   */
  static final class Bounding extends DelegatingDataSource implements AutoCloseable {

    private final int millis;

    Bounding(DataSource pool, int millis) {
      super(pool);
      this.millis = millis;
    }

    @Override
    public Connection getConnection() throws SQLException {
      return bounded(super.getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
      return bounded(super.getConnection(username, password));
    }

    /** Closes the pool with the application, as it was closed before it was wrapped. */
    @Override
    public void close() throws Exception {
      if (getTargetDataSource() instanceof AutoCloseable pool) {
        pool.close();
      }
    }

    private Connection bounded(Connection connection) throws SQLException {
      Integer bound = BOUND.get();
      int wait = bound == null ? 0 : bound.equals(REQUEST) ? millis : bound;
      if (millis > 0 && wait > 0) {
        try {
          connection.setNetworkTimeout(UNUSED, wait);
        } catch (SQLException | RuntimeException e) {
          connection.close();
          throw e;
        }
      }
      return connection;
    }
  }
}
