package dev.pt2cache.blob;

import java.sql.ResultSet;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Serializes, across instances, what decides whether a blob's object may exist: an upload
 * committing on it, and housekeeping deleting it, even where no row exists yet to lock. A
 * transaction-scoped PostgreSQL advisory lock on the digest.
 */
@Component
public class BlobLocks {

  private final JdbcClient jdbc;

  BlobLocks(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Waits for the digest's lock, held until the transaction ends. */
  @Transactional(propagation = Propagation.MANDATORY)
  public void lock(String sha256) {
    jdbc.sql("select pg_advisory_xact_lock(hashtextextended(:lock, 0))")
        .param("lock", "blob/" + sha256)
        .query((ResultSet rs) -> {});
  }

  /** Takes the digest's lock if nobody holds it; false at once otherwise. */
  @Transactional(propagation = Propagation.MANDATORY)
  public boolean tryLock(String sha256) {
    return jdbc.sql("select pg_try_advisory_xact_lock(hashtextextended(:lock, 0))")
        .param("lock", "blob/" + sha256)
        .query(Boolean.class)
        .single();
  }
}
