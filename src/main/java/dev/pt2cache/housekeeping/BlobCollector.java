package dev.pt2cache.housekeeping;

import dev.pt2cache.blob.BlobLocks;
import dev.pt2cache.blob.BlobStore;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Deletes blobs that no artifact references and that nobody referenced during the grace period.
 * Each blob goes in a transaction of its own that holds the digest's lock and its row while the
 * object is deleted. A reservation of the same content takes that lock too, so an upload's pending
 * artifact either exists before the decision (and the blob stays) or after the deletion (and its
 * bytes are stored again); an upload that relied on the copy checks at its commit that the copy is
 * still there (ADR 0011).
 */
@Component
class BlobCollector {

  private static final String UNREFERENCED =
      """
      last_referenced_at < now() - make_interval(secs => :grace)
      and not exists (select 1 from artifact a where a.sha256 = blob.sha256)
      """;

  private final JdbcClient jdbc;
  private final BlobStore store;
  private final TransactionTemplate transactions;
  private final HousekeepingProperties properties;
  private final BlobLocks blobLocks;

  BlobCollector(
      JdbcClient jdbc,
      BlobStore store,
      TransactionTemplate transactions,
      HousekeepingProperties properties,
      BlobLocks blobLocks) {
    this.jdbc = jdbc;
    this.store = store;
    this.transactions = transactions;
    this.properties = properties;
    this.blobLocks = blobLocks;
  }

  /** What one batch did: the blobs deleted, and the last digest it looked at (null: none). */
  record Batch(long deleted, String last, boolean full) {}

  /**
   * Deletes up to one batch of collectable blobs with digests after {@code after} ("" from the
   * start), in digest order. A run goes on from the batch's last digest: starting from the first
   * digest each time, every batch walked again past every referenced blob before it, and a run that
   * collected 10^5 blobs among 9 * 10^5 referenced ones spent 2.5 s a batch on that alone.
   */
  Batch collect(String after) {
    List<String> candidates =
        jdbc.sql(
                "select sha256 from blob where sha256 > :after and "
                    + UNREFERENCED
                    + " order by sha256 limit :batch")
            .param("after", after)
            .param("grace", graceSeconds())
            .param("batch", properties.batchSize())
            .query(String.class)
            .list();
    long deleted = candidates.stream().filter(this::collectOne).count();
    return new Batch(
        deleted,
        candidates.isEmpty() ? null : candidates.get(candidates.size() - 1),
        candidates.size() >= properties.batchSize());
  }

  private boolean collectOne(String sha256) {
    return Boolean.TRUE.equals(
        transactions.execute(
            status -> {
              if (!blobLocks.tryLock(sha256)) {
                return false; // an upload is committing on this content right now
              }
              boolean locked =
                  jdbc.sql(
                          "select sha256 from blob where sha256 = :sha256 and "
                              + UNREFERENCED
                              + " for update skip locked")
                      .param("sha256", sha256)
                      .param("grace", graceSeconds())
                      .query(String.class)
                      .optional()
                      .isPresent();
              if (!locked) {
                return false;
              }
              store.delete(sha256);
              jdbc.sql("delete from blob where sha256 = ?").param(sha256).update();
              return true;
            }));
  }

  private double graceSeconds() {
    return properties.grace().toMillis() / 1000.0;
  }
}
