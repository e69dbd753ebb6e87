package dev.pt2cache.housekeeping;

import dev.pt2cache.artifact.ContentMissingEvent;
import dev.pt2cache.blob.BlobLocks;
import dev.pt2cache.blob.BlobStore;
import dev.pt2cache.invalidation.InvalidationService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Metadata whose object is missing from the store: its ready artifacts are retired by an
 * invalidation that says why (so lookups miss and tell), the blob's row is dropped, and the loss is
 * logged and counted ({@code pt2cache_content_missing_total}). Found by a download or by
 * reconciliation.
 */
@Component
class ContentLoss {

  private static final Logger log = LoggerFactory.getLogger(ContentLoss.class);

  private final JdbcClient jdbc;
  private final BlobStore store;
  private final InvalidationService invalidations;
  private final MeterRegistry registry;
  private final BlobLocks blobLocks;
  private final TransactionTemplate transactions;

  ContentLoss(
      JdbcClient jdbc,
      BlobStore store,
      InvalidationService invalidations,
      MeterRegistry registry,
      BlobLocks blobLocks,
      TransactionTemplate transactions) {
    this.jdbc = jdbc;
    this.store = store;
    this.invalidations = invalidations;
    this.registry = registry;
    this.blobLocks = blobLocks;
    this.transactions = transactions;
    // at 0 from the start, so that an alert on increase() sees the first loss
    for (String foundBy : new String[] {"download", "reconciliation"}) {
      missing(foundBy);
    }
  }

  private Counter missing(String foundBy) {
    return Counter.builder("pt2cache.content.missing")
        .description("Contents whose object was missing from the store; should never happen")
        .tag("found_by", foundBy)
        .register(registry);
  }

  @EventListener
  void onMissing(ContentMissingEvent event) {
    handle(event.sha256(), event.foundBy());
  }

  /**
   * True when the object was indeed lost: its row still stands (housekeeping did not collect it
   * meanwhile) and the store still lacks it (no upload stored it again meanwhile).
   */
  boolean handle(String sha256, String foundBy) {
    return Boolean.TRUE.equals(transactions.execute(status -> retire(sha256, foundBy)));
  }

  private boolean retire(String sha256, String foundBy) {
    blobLocks.lock(sha256);
    boolean recorded =
        jdbc.sql("select sha256 from blob where sha256 = ? for update")
            .param(sha256)
            .query(String.class)
            .optional()
            .isPresent();
    if (!recorded || store.exists(sha256)) {
      return false;
    }
    List<String> namespaces =
        jdbc.sql("select distinct namespace from artifact where sha256 = ? and state = 'READY'")
            .param(sha256)
            .query(String.class)
            .list();
    String reason = "content %s missing from storage (found by %s)".formatted(sha256, foundBy);
    namespaces.forEach(namespace -> invalidations.retireLostContent(namespace, sha256, reason));
    jdbc.sql("delete from blob where sha256 = ?").param(sha256).update();
    missing(foundBy).increment();
    log.error("{}: retired its ready artifacts in {}", reason, namespaces);
    return true;
  }
}
