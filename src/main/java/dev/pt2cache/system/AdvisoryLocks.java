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
 */
@Component
public class AdvisoryLocks {

  private final JdbcClient jdbc;

  AdvisoryLocks(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Waits for the named lock. */
  @Transactional(propagation = Propagation.MANDATORY)
  public void lock(String name) {
    jdbc.sql("select pg_advisory_xact_lock(hashtextextended(:lock, 0))")
        .param("lock", name)
        .query((ResultSet rs) -> {});
  }

  /**
   * Waits for the named lock, shared: any number of transactions hold it shared at once, and none
   * while another holds it by {@link #lock}.
   */
  @Transactional(propagation = Propagation.MANDATORY)
  public void lockShared(String name) {
    jdbc.sql("select pg_advisory_xact_lock_shared(hashtextextended(:lock, 0))")
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
