package dev.pt2cache.support;

import org.springframework.jdbc.core.simple.JdbcClient;

/** Whether the service waits for a lock a test holds, seen from PostgreSQL's activity view. */
public final class LockWaits {

  private LockWaits() {}

  /** Whether a statement whose text holds {@code fragment} waits for a lock. */
  public static boolean waiting(JdbcClient jdbc, String fragment) {
    return jdbc.sql(
            """
            select exists (select 1 from pg_stat_activity
                            where wait_event_type = 'Lock' and query like '%' || ? || '%')
            """)
        .param(fragment)
        .query(Boolean.class)
        .single();
  }
}
