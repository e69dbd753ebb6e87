package dev.pt2cache.housekeeping;

import dev.pt2cache.blob.BlobStore;
import dev.pt2cache.blob.StoreRefusedException;
import dev.pt2cache.system.LockWait;
import dev.pt2cache.system.RecurringFailureLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Garbage collection (every 5 minutes by default): retired artifacts past the grace period,
 * reservations expired for longer than it, blobs nothing references any more, multipart uploads
 * abandoned mid-way, and old run records.
 */
@Component
class PurgeJob implements HousekeepingJob {

  private final JdbcClient jdbc;
  private final BlobCollector blobs;
  private final BlobStore store;
  private final MeterRegistry registry;
  private final HousekeepingProperties properties;
  private final LockWait lockWait;
  private final RecurringFailureLog uploadsRefused =
      new RecurringFailureLog(
          LoggerFactory.getLogger(PurgeJob.class),
          Level.WARN,
          "purge cannot abort abandoned multipart uploads: the store refused to list them. Grant"
              + " s3:ListBucketMultipartUploads and s3:AbortMultipartUpload, or give the bucket a"
              + " lifecycle rule that aborts incomplete multipart uploads (docs/s3-compatibility.md)",
          Duration.ofHours(1));

  PurgeJob(
      JdbcClient jdbc,
      BlobCollector blobs,
      BlobStore store,
      MeterRegistry registry,
      HousekeepingProperties properties,
      LockWait lockWait) {
    this.jdbc = jdbc;
    this.lockWait = lockWait;
    this.blobs = blobs;
    this.store = store;
    this.registry = registry;
    this.properties = properties;
    // at 0 from the start, on every instance, so increase() sees the first of each (ADR 0027)
    COUNTED.forEach((what, description) -> counter(what, description));
  }

  /** What each run counts, as pt2cache_housekeeping_{what}_total. */
  private static final Map<String, String> COUNTED =
      Map.of(
          "purged.artifacts", "Retired artifacts (invalidated or evicted) purged after the grace",
          "expired.reservations", "Upload reservations dropped, their upload never finished",
          "deleted.blobs", "Blobs no artifact referenced, deleted from the store and the database",
          "deleted.invalidations", "Invalidation records deleted once their history had expired",
          "deleted.tokens", "Revoked or expired tokens deleted once their history had expired",
          "aborted.multipart.uploads", "Multipart uploads abandoned in the store, aborted");

  @Override
  public String name() {
    return "purge";
  }

  @Override
  public Duration interval() {
    return properties.purgeInterval();
  }

  @Override
  public Map<String, Object> run() {
    Map<String, Object> outcome = new LinkedHashMap<>();
    outcome.put("retiredArtifactsPurged", count("purged.artifacts", purgeRetiredArtifacts()));
    outcome.put(
        "expiredReservationsDropped", count("expired.reservations", dropExpiredReservations()));
    outcome.put("blobsDeleted", count("deleted.blobs", collectBlobs()));
    abortAbandonedUploads(outcome);
    deleteOldRunsAndEvictions();
    outcome.put(
        "oldInvalidationsDeleted", count("deleted.invalidations", deleteOldInvalidations()));
    outcome.put("oldTokensDeleted", count("deleted.tokens", deleteOldTokens()));
    putStoredTotals(outcome);
    return outcome;
  }

  /** Deletes the artifacts retired (invalidated or evicted) longer ago than the grace period. */
  private long purgeRetiredArtifacts() {
    return deleteInBatches(
        """
        with batch as (
          select id from artifact
           where state in ('INVALIDATED', 'EVICTED')
             and coalesce(invalidated_at, evicted_at) < now() - make_interval(secs => :age)
           limit :batch),
        locked as (
          -- in id order, as every writer of several artifacts locks them (ADR 0006)
          select id from artifact where id in (select id from batch)
           order by id for update)
        delete from artifact where id in (select id from locked)
        """,
        properties.grace());
  }

  /**
   * Deletes the reservations that expired longer ago than the grace period without their bytes
   * being committed.
   */
  private long dropExpiredReservations() {
    return deleteInBatches(
        """
        with batch as (
          select id from artifact
           where state = 'PENDING'
             and upload_expires_at < now() - make_interval(secs => :age)
           limit :batch),
        locked as (
          -- in id order, as every writer of several artifacts locks them (ADR 0006),
          -- and checked again on the row itself once locked: a commit that made it
          -- ready while this waited for its lock has the row kept
          select id from artifact where id in (select id from batch) and state = 'PENDING'
           order by id for update)
        delete from artifact where id in (select id from locked) and state = 'PENDING'
        """,
        properties.grace());
  }

  /** Deletes the records of housekeeping runs and of evictions past their history. */
  private void deleteOldRunsAndEvictions() {
    deleteHistory(
        """
        delete from housekeeping_run where id in (
          select id from housekeeping_run
           where started_at < now() - make_interval(secs => :age) limit :batch)
        """,
        properties.runHistory());
    deleteHistory(
        """
        delete from eviction where id in (
          select id from eviction
           where evicted_at < now() - make_interval(secs => :age) limit :batch)
        """,
        properties.evictionHistory());
  }

  /** Deletes the invalidation records past their history that nothing needs any more. */
  private long deleteOldInvalidations() {
    return deleteHistory(
        // counted from when it last mattered: made, lifted or expired. A rule still in
        // force stays, and so does the record of what an artifact not yet purged was
        // retired by
        """
        delete from invalidation where id in (
          select i.id from invalidation i
           where greatest(i.created_at, i.lifted_at,
                          case when i.expires_at < now() then i.expires_at end)
                 < now() - make_interval(secs => :age)
             and i.id not in (select id from active_blocking_rule)
             and not exists (select 1 from artifact a where a.invalidation_id = i.id)
           limit :batch)
        """,
        properties.invalidationHistory());
  }

  /** Deletes the tokens revoked or expired longer ago than their history. */
  private long deleteOldTokens() {
    return deleteHistory(
        """
        delete from api_token where id in (
          select id from api_token
           where coalesce(revoked_at, expires_at) < now() - make_interval(secs => :age)
           limit :batch)
        """,
        properties.tokenHistory());
  }

  /**
   * What the bucket holds, once per content (the namespace gauges count shared content once per
   * artifact), for capacity: one sum per purge, for the whole fleet.
   */
  private void putStoredTotals(Map<String, Object> outcome) {
    Map<String, Object> stored =
        jdbc.sql("select count(*) as contents, coalesce(sum(size_bytes), 0) as bytes from blob")
            .query()
            .singleRow();
    outcome.put("storedContents", ((Number) stored.get("contents")).longValue());
    outcome.put("storedBytes", ((Number) stored.get("bytes")).longValue());
  }

  /**
   * Aborts the multipart uploads abandoned mid-way. A store that refuses to list them (one that
   * lacks {@code ListMultipartUploads}, or credentials without {@code
   * s3:ListBucketMultipartUploads}) does not fail the run, which would leave the history below
   * never deleted: the run records why it skipped them under {@code multipartUploadsSkipped}, and
   * says at WARN, once an hour, what to do instead.
   */
  private void abortAbandonedUploads(Map<String, Object> outcome) {
    long aborted = 0;
    try {
      aborted =
          store.abortUploadsStartedBefore(Instant.now().minus(properties.abandonedUploadAge()));
    } catch (StoreRefusedException e) {
      outcome.put("multipartUploadsSkipped", e.getMessage());
      uploadsRefused.failed(e);
    }
    outcome.put("multipartUploadsAborted", count("aborted.multipart.uploads", aborted));
  }

  /**
   * One pass over the blobs in digest order, a batch at a time; one skipped (an upload committing
   * on its content) is looked at again by the next run.
   */
  private long collectBlobs() {
    long total = 0;
    String after = "";
    BlobCollector.Batch batch;
    do {
      batch = blobs.collect(after);
      total += batch.deleted();
      after = batch.last();
    } while (batch.full());
    return total;
  }

  /**
   * Runs a delete of at most {@code :batch} rows older than {@code :age} until it runs dry. Each
   * waits for a row another session holds at most {@code PT2CACHE_DB_LOCK_WAIT}, then the run fails
   * and says so, and the next run tries again: a holder that never ends (an instance frozen in the
   * middle of a transaction) held the purge, its connection and its scheduler thread for good.
   */
  private long deleteInBatches(String sql, Duration age) {
    long total = 0;
    int deleted;
    do {
      deleted =
          lockWait.bounded(
              () ->
                  jdbc.sql(sql)
                      .param("age", age.toMillis() / 1000.0)
                      .param("batch", properties.batchSize())
                      .update());
      total += deleted;
    } while (deleted >= properties.batchSize());
    return total;
  }

  /**
   * Deletes records older than their history. A history of 0 (or less) keeps them forever, and so
   * does one longer than a century, which PostgreSQL could not subtract from now anyway.
   */
  private long deleteHistory(String sql, Duration history) {
    if (history.isZero() || history.isNegative() || history.compareTo(CENTURY) > 0) {
      return 0;
    }
    return deleteInBatches(sql, history);
  }

  private static final Duration CENTURY = Duration.ofDays(36_525);

  private long count(String what, long n) {
    counter(what, COUNTED.get(what)).increment(n);
    return n;
  }

  private Counter counter(String what, String description) {
    return Counter.builder("pt2cache.housekeeping." + what)
        .description(description)
        .register(registry);
  }
}
