package dev.pt2cache.system;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Says at start which of the schema's indexes PostgreSQL holds as invalid. An index built
 * concurrently (V9) whose build failed midway (the migration cancelled, its instance killed) stays
 * behind invalid: kept up to date on every write, never used by a query, and not rebuilt by a later
 * migrate, which finds it there. The statements it serves then scan their table (purge deleting old
 * invalidations took 20 s for 105 rows at 10^6 artifacts in a review's run). Only the operator
 * should rebuild it: {@code REINDEX INDEX CONCURRENTLY} takes as long as the build did.
 */
@Component
class InvalidIndexCheck {

  private static final Logger log = LoggerFactory.getLogger(InvalidIndexCheck.class);

  private final JdbcClient jdbc;

  InvalidIndexCheck(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  @EventListener(ApplicationReadyEvent.class)
  void report() {
    List<String> invalid;
    try {
      // bounded as the start's other statements: it runs once ready, on the starting thread
      invalid = AnswerWait.bounded(this::invalidIndexes);
    } catch (RuntimeException e) {
      log.warn("could not check the schema's indexes", e); // a check, never a reason not to start
      return;
    }
    for (String index : invalid) {
      if (index.matches(".*_ccnew\\d*")) {
        // the copy a REINDEX CONCURRENTLY builds, left by one that failed: the original stands
        log.error(
            "index {} is what a failed REINDEX CONCURRENTLY left behind; drop it: DROP INDEX"
                + " CONCURRENTLY {}",
            index,
            index);
      } else {
        log.error(
            "index {} is invalid (a concurrent build of it failed): PostgreSQL keeps it up to date"
                + " but no query uses it, so the statements it serves scan their table. Rebuild"
                + " it: REINDEX INDEX CONCURRENTLY {}",
            index,
            index);
      }
    }
  }

  /** The invalid indexes of the service's schema, by name. */
  List<String> invalidIndexes() {
    return jdbc.sql(
            """
            select c.relname from pg_index i
              join pg_class c on c.oid = i.indexrelid
              join pg_namespace n on n.oid = c.relnamespace
             where not i.indisvalid and n.nspname = current_schema()
             order by c.relname
            """)
        .query(String.class)
        .list();
  }
}
