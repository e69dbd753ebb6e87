package dev.pt2cache.housekeeping;

import dev.pt2cache.artifact.ContentDamagedEvent;
import dev.pt2cache.artifact.ContentMissingEvent;
import dev.pt2cache.blob.BlobLocks;
import dev.pt2cache.blob.BlobStore;
import dev.pt2cache.blob.DeploymentMarker;
import dev.pt2cache.invalidation.InvalidationService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Metadata whose object is missing from the store, or damaged there (another size, or bytes with
 * another SHA-256; the object is then deleted): its ready artifacts are retired by an invalidation
 * that says why (so lookups miss and tell), the blob's row is dropped, and the loss is logged and
 * counted ({@code pt2cache_content_missing_total}). Found by a download (logged at ERROR) or by
 * reconciliation (at WARN: the run logs one ERROR line for all it found). The next upload of the
 * content stores it again.
 *
 * <p>Nothing is retired while the bucket lacks this deployment's marker: emptied, or replaced under
 * running instances, it would otherwise have every download retire what it asked for (ADR 0021).
 */
@Component
class ContentLoss {

  private static final Logger log = LoggerFactory.getLogger(ContentLoss.class);

  /** Who found a loss in a reconcile run, whose summary is its ERROR line (ReconcileJob). */
  static final String RECONCILIATION = "reconciliation";

  private final JdbcClient jdbc;
  private final BlobStore store;
  private final InvalidationService invalidations;
  private final MeterRegistry registry;
  private final BlobLocks blobLocks;
  private final TransactionTemplate transactions;
  private final DeploymentMarker marker;

  ContentLoss(
      JdbcClient jdbc,
      BlobStore store,
      InvalidationService invalidations,
      MeterRegistry registry,
      BlobLocks blobLocks,
      TransactionTemplate transactions,
      DeploymentMarker marker) {
    this.jdbc = jdbc;
    this.store = store;
    this.invalidations = invalidations;
    this.registry = registry;
    this.blobLocks = blobLocks;
    this.transactions = transactions;
    this.marker = marker;
    // at 0 from the start, so that an alert on increase() sees the first loss
    for (String foundBy : new String[] {"download", RECONCILIATION}) {
      missing(foundBy);
    }
  }

  private Counter missing(String foundBy) {
    return Counter.builder("pt2cache.content.missing")
        .description(
            "Contents whose object was missing from the store, or damaged; should never happen")
        .tag("found_by", foundBy)
        .register(registry);
  }

  @EventListener
  void onMissing(ContentMissingEvent event) {
    retireIfMissing(event.sha256(), event.foundBy());
  }

  @EventListener
  void onDamaged(ContentDamagedEvent event) {
    retireIfDamaged(event.sha256(), event.version(), event.foundBy());
  }

  /**
   * True when the object was indeed lost: its row still stands (housekeeping did not collect it
   * meanwhile), the store still lacks it (no upload stored it again meanwhile), and a ready
   * artifact rests on it. Content that nothing ready rests on loses nobody anything: its row is
   * dropped, as purge would have dropped it, and it is not counted or logged as a loss. That is
   * what a purge batch leaves when it fails after the store deleted its objects (ADR 0030), and
   * reconciliation took it for lost content, at ERROR.
   */
  boolean retireIfMissing(String sha256, String foundBy) {
    if (!bucketIsOurs(sha256)) {
      return false;
    }
    return Boolean.TRUE.equals(
        transactions.execute(
            status -> {
              if (!recorded(sha256) || store.exists(sha256)) {
                return false;
              }
              List<String> namespaces = readyIn(sha256);
              if (namespaces.isEmpty()) {
                dropRow(sha256);
                log.info("content {} was gone from storage with nothing ready on it", sha256);
                return false;
              }
              return retire(sha256, namespaces, "missing from storage", foundBy);
            }));
  }

  /**
   * True when the object read as {@code version} was damaged and still stands (the store still has
   * that version, not one an upload stored again meanwhile): its content is retired as lost, and
   * then, once nothing is left to fail but the commit, the object is deleted. An object gone
   * meanwhile is lost all the same.
   */
  boolean retireIfDamaged(String sha256, String version, String foundBy) {
    if (!bucketIsOurs(sha256)) {
      return false;
    }
    return Boolean.TRUE.equals(
        transactions.execute(
            status -> {
              if (!recorded(sha256)) {
                return false;
              }
              Optional<String> stored = store.version(sha256);
              if (stored.isEmpty()) {
                return retire(sha256, readyIn(sha256), "missing from storage", foundBy);
              }
              if (!stored.get().equals(version)) {
                return false;
              }
              retire(sha256, readyIn(sha256), "damaged in storage", foundBy);
              // last, still under the digest's lock: a retirement that fails (a deadlock with a hit
              // flush or another invalidation, a dropped connection) rolls back and leaves the
              // object with its ready artifacts, for the next download to find again, instead of
              // ready artifacts without an object
              store.delete(sha256);
              return true;
            }));
  }

  private boolean bucketIsOurs(String sha256) {
    if (marker.heldByStore()) {
      return true;
    }
    log.error(
        "content {} not retired: the bucket no longer holds this deployment's marker ({}). Was it"
            + " emptied or replaced under running instances? Check PT2CACHE_S3_BUCKET; restore the"
            + " bucket, or its {} object, and restart the instances.",
        sha256,
        BlobStore.MARKER_KEY,
        BlobStore.MARKER_KEY);
    return false;
  }

  /** Whether the blob still has its row, locked (with its digest) for the rest of the work. */
  private boolean recorded(String sha256) {
    blobLocks.lock(sha256);
    return jdbc.sql("select sha256 from blob where sha256 = ? for update")
        .param(sha256)
        .query(String.class)
        .optional()
        .isPresent();
  }

  /**
   * The namespaces holding ready artifacts of the digest, those artifacts locked at once, in id
   * order, as every writer of several artifacts locks them (ADR 0006): retired one namespace after
   * another, each in id order, they would be locked out of order across namespaces.
   */
  private List<String> readyIn(String sha256) {
    return jdbc
        .sql(
            """
            select namespace from artifact where sha256 = ? and state = 'READY'
             order by id for no key update
            """)
        .param(sha256)
        .query(String.class)
        .list()
        .stream()
        .distinct()
        .toList();
  }

  private void dropRow(String sha256) {
    jdbc.sql("delete from blob where sha256 = ?").param(sha256).update();
  }

  private boolean retire(String sha256, List<String> namespaces, String what, String foundBy) {
    String reason = "content %s %s (found by %s)".formatted(sha256, what, foundBy);
    namespaces.forEach(namespace -> invalidations.retireLostContent(namespace, sha256, reason));
    dropRow(sha256);
    missing(foundBy).increment();
    // a download's loss is its own ERROR line; a reconcile run's are summed up in one
    log.atLevel(RECONCILIATION.equals(foundBy) ? Level.WARN : Level.ERROR)
        .log("{}: retired its ready artifacts in {}", reason, namespaces);
    return true;
  }
}
