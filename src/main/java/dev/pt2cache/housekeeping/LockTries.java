package dev.pt2cache.housekeeping;

import com.zaxxer.hikari.HikariDataSource;
import dev.pt2cache.system.AnswerWait;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;
import org.springframework.core.env.PropertyResolver;

/**
 * When a job lock's release or extension that failed may be asked again ({@link
 * AnsweredLockProvider}): up to a quarter of {@code lockAtMostFor} after the first try began, and
 * only while the try, at its longest ({@code tryBound}), still ends within the lock's own time: a
 * try later than that has nothing left to release or extend. ShedLock's release ({@code UPDATE
 * shedlock ... WHERE name = ? AND locked_by = ?}) does not check {@code lock_until}; while {@code
 * locked_by} was the host's name, a try that reached PostgreSQL after the lock had lapsed released
 * the next holder's. Each take now writes a holder of its own ({@link LocksPerTake}), which keeps
 * any try, in time or not, off another take's lock.
 *
 * <p>A try reaches PostgreSQL at the latest when its connection is handed out (the pool's wait, and
 * its check of a connection idle for half a second) and its statement is answered (the answer
 * wait): one answered later is never committed (the connection is closed unanswered, and PostgreSQL
 * rolls it back), and the row it locks from then on is still this run's. With no answer wait
 * ({@code PT2CACHE_DB_ANSWER_WAIT=0s}) a try has no bound, and none is asked again.
 *
 * @param tryBound the longest a try takes to reach PostgreSQL; null: no bound
 */
record LockTries(Duration tryBound) {

  /** The tries of the instance's settings: its pool's waits and its answer wait. */
  static LockTries of(DataSource dataSource, PropertyResolver settings) {
    Duration answerWait = AnswerWait.configured(settings);
    try {
      HikariDataSource pool = dataSource.unwrap(HikariDataSource.class);
      return new LockTries(
          answerWait.isZero()
              ? null
              : answerWait.plusMillis(pool.getConnectionTimeout() + pool.getValidationTimeout()));
    } catch (SQLException e) {
      return new LockTries(null); // no pool of HikariCP's: its waits are not known
    }
  }

  /**
   * Whether a try may start at {@code at}, all in {@link System#nanoTime}: the first try began at
   * {@code started}, and the lock is this run's until at least {@code heldUntil}.
   */
  boolean mayStart(long at, long started, long heldUntil, Duration lockAtMostFor) {
    return tryBound != null
        && at - started <= lockAtMostFor.dividedBy(4).toNanos()
        && heldUntil - at > tryBound.toNanos();
  }
}
