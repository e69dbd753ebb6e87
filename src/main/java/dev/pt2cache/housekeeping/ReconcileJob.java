package dev.pt2cache.housekeeping;

import dev.pt2cache.blob.BlobLocks;
import dev.pt2cache.blob.BlobStore;
import dev.pt2cache.blob.BlobStore.StoredObject;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Compares the bucket with the metadata (every 6 hours by default), walking both in digest order a
 * page at a time: objects that neither a blob row nor an artifact accounts for are deleted once
 * older than the grace period; blob rows whose object is gone are handed to {@link ContentLoss}.
 */
@Component
class ReconcileJob implements HousekeepingJob {

  private static final int PAGE = 1000;

  private final JdbcClient jdbc;
  private final BlobStore store;
  private final ContentLoss losses;
  private final TransactionTemplate transactions;
  private final MeterRegistry registry;
  private final HousekeepingProperties properties;
  private final BlobLocks blobLocks;

  ReconcileJob(
      JdbcClient jdbc,
      BlobStore store,
      ContentLoss losses,
      TransactionTemplate transactions,
      MeterRegistry registry,
      HousekeepingProperties properties,
      BlobLocks blobLocks) {
    this.jdbc = jdbc;
    this.store = store;
    this.losses = losses;
    this.transactions = transactions;
    this.registry = registry;
    this.properties = properties;
    this.blobLocks = blobLocks;
  }

  @Override
  public String name() {
    return "reconcile";
  }

  @Override
  public Duration interval() {
    return properties.reconcileInterval();
  }

  @Override
  public Map<String, Object> run() {
    Instant started = Instant.now();
    long objects = 0;
    long orphans = 0;
    long missing = 0;
    String after = "";
    Iterator<StoredObject> listing = store.list().iterator();
    while (listing.hasNext()) {
      List<StoredObject> page = new ArrayList<>(PAGE);
      while (listing.hasNext() && page.size() < PAGE) {
        page.add(listing.next());
      }
      String last = page.get(page.size() - 1).sha256();
      Set<String> rows = new HashSet<>(rowsBetween(after, last, null));
      Set<String> listed = new HashSet<>();
      for (StoredObject object : page) {
        listed.add(object.sha256());
        if (!rows.contains(object.sha256()) && orphan(object, started)) {
          orphans++;
        }
      }
      missing += missing(rowsBetween(after, last, started), listed);
      objects += page.size();
      after = last;
    }
    missing += missing(rowsBetween(after, null, started), Set.of());
    registry.counter("pt2cache.housekeeping.deleted.orphan.objects").increment(orphans);
    Map<String, Object> outcome = new LinkedHashMap<>();
    outcome.put("objectsListed", objects);
    outcome.put("orphanObjectsDeleted", orphans);
    outcome.put("blobsFoundMissing", missing);
    return outcome;
  }

  /** Blob rows with digests in (after, upTo], created before a time if one is given. */
  private List<String> rowsBetween(String after, String upTo, Instant createdBefore) {
    return jdbc.sql(
            """
            select sha256 from blob
             where sha256 collate "C" > :after
               and (cast(:upTo as varchar) is null or sha256 collate "C" <= :upTo)
               and (cast(:before as timestamptz) is null or created_at < :before)
            """)
        .param("after", after)
        .param("upTo", upTo)
        .param("before", createdBefore == null ? null : Timestamp.from(createdBefore))
        .query(String.class)
        .list();
  }

  private long missing(List<String> rows, Set<String> listed) {
    return rows.stream()
        .filter(sha256 -> !listed.contains(sha256))
        .filter(sha256 -> losses.handle(sha256, "reconciliation"))
        .count();
  }

  /**
   * Deletes an object that no row accounts for, once it is older than the grace period. An artifact
   * that references the digest accounts for it too: a pending one is an upload whose bytes may have
   * just been written over the listed object (ADR 0011). The blob lock, which a reservation takes
   * as well, keeps the decision and the deletion together.
   */
  private boolean orphan(StoredObject object, Instant started) {
    if (object.lastModified().isAfter(started.minus(properties.grace()))) {
      return false;
    }
    return Boolean.TRUE.equals(
        transactions.execute(
            status -> {
              blobLocks.lock(object.sha256());
              boolean accounted =
                  jdbc.sql(
                          """
                          select exists (select 1 from blob where sha256 = :sha256)
                              or exists (select 1 from artifact where sha256 = :sha256)
                          """)
                      .param("sha256", object.sha256())
                      .query(Boolean.class)
                      .single();
              if (accounted) {
                return false;
              }
              store.delete(object.sha256());
              return true;
            }));
  }
}
