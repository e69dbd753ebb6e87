package dev.pt2cache.housekeeping;

import dev.pt2cache.blob.BlobLocks;
import dev.pt2cache.blob.BlobStore;
import dev.pt2cache.blob.DeploymentMarker;
import dev.pt2cache.system.ServiceClock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Compares the bucket with the metadata (every 6 hours by default), walking both in digest order a
 * page at a time ({@link BucketWalk}): objects that neither a blob row nor an artifact accounts for
 * are deleted once older than the grace period; blob rows whose object is gone, or of another size
 * than recorded, are handed to {@link ContentLoss}. It does not read objects: bytes changed in
 * place at the same size are found by the download that serves them (docs/adr/0028).
 *
 * <p>It first only looks, and acts when it has found at most {@code reconcile-max-changes} of each.
 * A service pointed at the wrong bucket, or at a database restored from an old backup, would
 * otherwise retire every artifact whose object it cannot see, or delete every object it has no row
 * for: losses that the right bucket or database coming back would not undo. Such a run changes
 * nothing, says so in its record and at ERROR, and counts {@code
 * pt2cache_housekeeping_reconcile_halted_total}. So does a run that finds the bucket without this
 * deployment's marker (emptied, or replaced while the instances run).
 */
@Component
class ReconcileJob implements HousekeepingJob {

  private static final Logger log = LoggerFactory.getLogger(ReconcileJob.class);

  /** The most digests of each kind that a run's record names. */
  static final int NAMED = 20;

  private final JdbcClient jdbc;
  private final BlobStore store;
  private final ContentLoss losses;
  private final TransactionTemplate transactions;
  private final MeterRegistry registry;
  private final HousekeepingProperties properties;
  private final BlobLocks blobLocks;
  private final DeploymentMarker marker;
  private final BucketWalk walk;
  private final ServiceClock clock;

  ReconcileJob(
      JdbcClient jdbc,
      BlobStore store,
      ContentLoss losses,
      TransactionTemplate transactions,
      MeterRegistry registry,
      HousekeepingProperties properties,
      BlobLocks blobLocks,
      DeploymentMarker marker,
      ServiceClock clock) {
    this.jdbc = jdbc;
    this.store = store;
    this.losses = losses;
    this.transactions = transactions;
    this.registry = registry;
    this.properties = properties;
    this.blobLocks = blobLocks;
    this.marker = marker;
    this.walk = new BucketWalk(jdbc, store);
    this.clock = clock;
    // at 0 from the start, so that an alert on increase() sees the first halt or deletion
    halted();
    orphansDeleted();
  }

  private Counter orphansDeleted() {
    return Counter.builder("pt2cache.housekeeping.deleted.orphan.objects")
        .description("Objects that no metadata accounted for, deleted by reconcile")
        .register(registry);
  }

  private Counter halted() {
    return Counter.builder("pt2cache.housekeeping.reconcile.halted")
        .description("Reconcile runs that found too much to change and changed nothing")
        .register(registry);
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
    Instant started = clock.now();
    int limit = properties.reconcileMaxChanges();
    boolean ours = marker.heldByStore();
    Findings found = ours ? walk.walk(started, properties.grace(), limit) : new Findings(limit);
    Map<String, Object> outcome = new LinkedHashMap<>();
    outcome.put("objectsListed", found.objects);
    if (!ours || found.tooMany()) {
      halted().increment();
      String why =
          ours
              ? found.describe()
              : "the bucket does not hold this deployment's marker (%s)"
                  .formatted(BlobStore.MARKER_KEY);
      log.error(
          "reconciliation changed nothing: {} (walked {} objects, found {}). Is PT2CACHE_S3_BUCKET"
              + " the bucket of this database (PT2CACHE_DB_URL)? If the loss is real, raise"
              + " PT2CACHE_RECONCILE_MAX_CHANGES and run the job again.",
          why,
          found.objects,
          found.counted());
      outcome.put(JobOutcome.HALTED, why);
      acted(outcome, "orphanObjectsDeleted", new Tally());
      acted(outcome, "blobsFoundMissing", new Tally());
      acted(outcome, "blobsFoundDamaged", new Tally());
      outcome.put("foundNotActedOn", found.sample());
      return outcome;
    }
    Tally orphans = new Tally();
    int batch = properties.deleteBatch();
    for (int from = 0; from < found.orphans.size(); from += batch) {
      List<String> some = found.orphans.subList(from, Math.min(from + batch, found.orphans.size()));
      deleteOrphans(some).forEach(orphans::add);
    }
    Tally missing = new Tally();
    found.missing.stream()
        .filter(sha256 -> losses.retireIfMissing(sha256, ContentLoss.RECONCILIATION))
        .forEach(missing::add);
    Tally damaged = new Tally();
    found.damaged.stream()
        .filter(
            object ->
                losses.retireIfDamaged(
                    object.sha256(), object.version(), ContentLoss.RECONCILIATION))
        .forEach(object -> damaged.add(object.sha256()));
    orphansDeleted().increment(orphans.count());
    acted(outcome, "orphanObjectsDeleted", orphans);
    acted(outcome, "blobsFoundMissing", missing);
    acted(outcome, "blobsFoundDamaged", damaged);
    if (missing.count() + damaged.count() > 0) {
      // one line for the run; each content is named at WARN, and in its namespaces' invalidations
      log.error(
          "reconciliation found content lost from the bucket and retired its ready artifacts: {}"
              + " missing {}, {} damaged {} (the first {} of each by digest; each one at WARN)",
          missing.count(),
          missing.named(),
          damaged.count(),
          damaged.named(),
          NAMED);
    }
    return outcome;
  }

  /**
   * Records how many digests of one kind the run acted on, under {@code kind}, and names the first
   * {@value #NAMED} of them (in digest order) under {@code kind + "Digests"}: enough for an
   * operator to check a restore by, while a run that acts on a thousand keeps a small record.
   */
  private static void acted(Map<String, Object> outcome, String kind, Tally digests) {
    outcome.put(kind, digests.count());
    outcome.put(kind + "Digests", digests.named());
  }

  static List<String> first(List<String> digests) {
    return digests.subList(0, Math.min(NAMED, digests.size()));
  }

  /**
   * Deletes, in one store request, the objects of a batch that no row accounts for (they are older
   * than the grace period): the digests answered, in digest order. An artifact that references the
   * digest accounts for it too: a pending one is an upload whose bytes may have just been written
   * over the listed object (ADR 0011). The blob locks, which a reservation takes as well, keep the
   * decision and the deletion together; one held by a reservation now is skipped, as its upload
   * accounts for the object, and never waited for. One request a batch, as purge's (ADR 0030): one
   * per object took a round trip each, which a run after a restore from an old backup pays up to
   * {@code reconcile-max-changes} times.
   */
  private List<String> deleteOrphans(List<String> digests) {
    return transactions.execute(
        status -> {
          List<String> locked = blobLocks.tryLockAll(digests);
          if (locked.isEmpty()) {
            return List.of();
          }
          List<String> unaccounted =
              jdbc.sql(
                      """
                      select d.sha256 from unnest(cast(:digests as text[])) as d(sha256)
                       where not exists (select 1 from blob b where b.sha256 = d.sha256)
                         and not exists (select 1 from artifact a where a.sha256 = d.sha256)
                       order by d.sha256 collate "C"
                      """)
                  .param("digests", locked.toArray(String[]::new))
                  .query(String.class)
                  .list();
          if (unaccounted.isEmpty()) {
            return List.of();
          }
          Set<String> gone = store.deleteAll(unaccounted);
          return unaccounted.stream().filter(gone::contains).toList();
        });
  }
}
