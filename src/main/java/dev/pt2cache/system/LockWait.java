package dev.pt2cache.system;

import java.sql.ResultSet;
import java.time.Duration;
import java.util.function.Supplier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The longest a transaction of the service waits for a lock another session holds ({@code
 * PT2CACHE_DB_LOCK_WAIT}, 15 s): PostgreSQL's {@code lock_timeout}, set for one transaction, past
 * which the waiting statement fails with {@code lock_not_available} ({@code 503 database-busy} for
 * a request, a round that gives up and logs for a job).
 *
 * <p>Writes that take an advisory lock first set it in the same statement ({@link AdvisoryLocks}).
 * The others (a namespace's change, an invalidation without a key and a blocking one's batches, a
 * report, hit flushes, a reservation's renewal, retention's and purge's deletes) set it here, at
 * their start: before, they waited on a row as long as its holder, and a holder that never ends (an
 * instance frozen in the middle of a transaction, an operator's session left open) kept each
 * waiter, and its pooled connection, for as long (docs/adr/0039). Set per transaction rather than
 * on every connection: Flyway's migrations, on the same pool, wait as long as they must (ADR 0026).
 * It bounds only the wait for a lock, never how long a statement works.
 */
@Component
public class LockWait {

  private final JdbcClient jdbc;
  private final TransactionTemplate transactions;
  private final String setting;

  LockWait(
      JdbcClient jdbc,
      TransactionTemplate transactions,
      @Value("${pt2cache.database.lock-wait:15s}") Duration lockWait) {
    this.jdbc = jdbc;
    this.transactions = transactions;
    // PostgreSQL takes up to 2^31 - 1 ms (24.8 days); 0 waits for as long as the holder
    this.setting = Math.min(millisRoundedUp(lockWait), Integer.MAX_VALUE) + "ms";
  }

  /**
   * PostgreSQL's {@code lock_timeout} counts whole milliseconds, and 0 is no bound at all: a wait
   * under a millisecond ({@code 500us}) rounded down to 0 and waited for as long as the holder, the
   * opposite of what it asked.
   */
  static long millisRoundedUp(Duration wait) {
    return wait.toMillis() + (wait.getNano() % 1_000_000 == 0 ? 0 : 1);
  }

  /**
   * The bound as {@code lock_timeout} takes it ({@code 15000ms}), for a statement that sets it
   * itself, or a message that says how long was waited.
   */
  public String setting() {
    return setting;
  }

  /** Bounds every lock wait of the rest of the current transaction. */
  @Transactional(propagation = Propagation.MANDATORY)
  public void bound() {
    jdbc.sql("select set_config('lock_timeout', :wait, true)")
        .param("wait", setting)
        .query((ResultSet rs) -> {});
  }

  /**
   * Runs {@code work} in a transaction (the caller's, or one of its own) whose lock waits are
   * bounded: for statements that would otherwise each run on their own, where a setting for the
   * transaction lasts only as long as the statement that makes it.
   */
  public <T> T bounded(Supplier<T> work) {
    return transactions.execute(
        status -> {
          bound();
          return work.get();
        });
  }
}
