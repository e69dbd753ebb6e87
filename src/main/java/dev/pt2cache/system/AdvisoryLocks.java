package dev.pt2cache.system;

import java.sql.ResultSet;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * PostgreSQL transaction-scoped advisory locks on names: held until the transaction ends, and seen
 * by every instance that shares the database.
 *
 * <p>A transaction that waits for one waits at most {@code PT2CACHE_DB_LOCK_WAIT} for it, and for
 * every lock it waits for after it (rows, a namespace's key), then fails with {@code
 * lock_not_available}: set in the same statement ({@code lock_timeout}, for this transaction only),
 * so it costs no round trip. A holder that never ends (an instance frozen or cut off in the middle
 * of a commit, an open psql transaction) otherwise kept each waiter, and its pooled connection, for
 * as long; a score of them took every connection of the instance, and its reads failed too
 * (docs/adr/0039). Set here rather than on every connection: migrations wait as long as they must
 * (docs/adr/0024); transactions that take no advisory lock bound theirs through {@link LockWait}.
 */
@Component
public class AdvisoryLocks {

  private final JdbcClient jdbc;
  private final String lockWait;

  AdvisoryLocks(JdbcClient jdbc, LockWait lockWait) {
    this.jdbc = jdbc;
    this.lockWait = lockWait.setting();
  }

  /** Waits for the named lock. */
  @Transactional(propagation = Propagation.MANDATORY)
  public void lock(String name) {
    take("pg_advisory_xact_lock", name);
  }

  /**
   * Waits for the named lock, shared: any number of transactions hold it shared at once, and none
   * while another holds it by {@link #lock}.
   */
  @Transactional(propagation = Propagation.MANDATORY)
  public void lockShared(String name) {
    take("pg_advisory_xact_lock_shared", name);
  }

  private void take(String function, String name) {
    // the select list is evaluated in order: the wait is bounded before the lock is asked for
    jdbc.sql(
            "select set_config('lock_timeout', :wait, true), "
                + function
                + "(hashtextextended(:lock, 0))")
        .param("wait", lockWait)
        .param("lock", name)
        .query((ResultSet rs) -> {});
  }

  /**
   * Takes each named lock that nobody holds, in one statement, and answers the names of those it
   * took, in the order given; never waits.
   */
  @Transactional(propagation = Propagation.MANDATORY)
  public List<String> tryLockAll(List<String> names) {
    return jdbc.sql(
            """
            select name from unnest(cast(:names as text[])) with ordinality as n(name, i)
             where pg_try_advisory_xact_lock(hashtextextended(name, 0))
             order by i
            """)
        .param("names", names.toArray(String[]::new))
        .query(String.class)
        .list();
  }
}
