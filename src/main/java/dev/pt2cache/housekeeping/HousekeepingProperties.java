package dev.pt2cache.housekeeping;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Housekeeping, bound from {@code pt2cache.housekeeping.*}.
 *
 * @param enabled run the jobs on a schedule on this instance (they can still be run on demand)
 * @param grace how long retired artifacts, unreferenced blobs, orphan objects and expired
 *     reservations are left alone before they are removed: an in-flight reader or a racing upload
 *     never loses what it relies on (unfinished multipart uploads wait {@code abandonedUploadAge})
 * @param quotaMargin eviction brings a namespace over its quota down to {@code quota * (1 -
 *     margin)}, so that eviction does not run on every upload
 * @param retentionInterval how often quotas and idle limits are enforced
 * @param purgeInterval how often retired artifacts, expired reservations, unreferenced blobs and
 *     abandoned multipart uploads are collected
 * @param reconcileInterval how often the bucket is compared with the metadata
 * @param reconcileMaxChanges the most orphan objects one reconciliation may delete, and the most
 *     lost blobs it may retire; a run that finds more of either changes nothing (the service is
 *     probably pointed at the wrong bucket or database)
 * @param lockAtMostFor how long an instance killed mid-run keeps a job's lock ({@code
 *     PT2CACHE_JOB_LOCK_TIMEOUT}): a running job extends it every half of this, so a run may last
 *     longer. It was 30 minutes, which stopped {@code retention} (every 30 s) for 60 rounds and
 *     {@code purge} for 6 after a {@code kill -9}; 2 minutes costs at most 4 and 1, and a lock
 *     whose extension is a minute late (the database stalled that long) lapses and lets two runs
 *     overlap, which each deletion's check of its row makes harmless (ADR 0006). ShedLock's
 *     keep-alive refuses less than 30 s on every round, so that is refused at start
 * @param abandonedUploadAge when an unfinished multipart upload counts as abandoned; longer than
 *     the slowest upload of the largest artifact
 * @param runHistory how long the record of each job run is kept (0: forever)
 * @param evictionHistory how long the record of each eviction is kept (0: forever)
 * @param invalidationHistory how long the record of each invalidation is kept, once it is no
 *     blocking rule in force and no artifact it retired is left to purge
 * @param tokenHistory how long a token is kept once it was revoked or expired
 * @param batchSize rows handled per statement
 * @param deleteBatch unreferenced blobs that {@code purge} deletes in one transaction, with one
 *     store request for their objects (S3's DeleteObjects takes at most 1,000); the transaction
 *     holds a lock per blob in PostgreSQL's lock table, and a reservation of one of their contents
 *     waits for the store's answer
 */
@ConfigurationProperties("pt2cache.housekeeping")
public record HousekeepingProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("1h") Duration grace,
    @DefaultValue("0.1") double quotaMargin,
    @DefaultValue("30s") Duration retentionInterval,
    @DefaultValue("5m") Duration purgeInterval,
    @DefaultValue("6h") Duration reconcileInterval,
    @DefaultValue("1000") int reconcileMaxChanges,
    @DefaultValue("2m") Duration lockAtMostFor,
    @DefaultValue("24h") Duration abandonedUploadAge,
    @DefaultValue("7d") Duration runHistory,
    @DefaultValue("30d") Duration evictionHistory,
    @DefaultValue("365d") Duration invalidationHistory,
    @DefaultValue("365d") Duration tokenHistory,
    @DefaultValue("500") int batchSize,
    @DefaultValue("100") int deleteBatch) {

  /** The shortest job lock ShedLock's keep-alive takes. */
  private static final Duration SHORTEST_LOCK = Duration.ofSeconds(30);

  public HousekeepingProperties {
    // a mistaken setting here deletes data at once (a negative grace purges under readers; a
    // margin of 10, meant as 10%, evicts whole namespaces): refuse to start instead. A grace of 0
    // is for tests: a reader still streaming a retired artifact may then lose its blob
    requireNotNegative("grace (PT2CACHE_GRACE)", grace);
    if (!(quotaMargin >= 0 && quotaMargin < 1)) {
      throw new IllegalArgumentException(
          "pt2cache.housekeeping.quota-margin (PT2CACHE_QUOTA_MARGIN) must be at least 0 and"
              + " below 1, a fraction of the quota (0.1 is 10%), not "
              + quotaMargin);
    }
    requirePositive("retention-interval (PT2CACHE_RETENTION_INTERVAL)", retentionInterval);
    requirePositive("purge-interval (PT2CACHE_PURGE_INTERVAL)", purgeInterval);
    requirePositive("reconcile-interval (PT2CACHE_RECONCILE_INTERVAL)", reconcileInterval);
    requirePositive("lock-at-most-for (PT2CACHE_JOB_LOCK_TIMEOUT)", lockAtMostFor);
    if (lockAtMostFor.compareTo(SHORTEST_LOCK) < 0) {
      throw new IllegalArgumentException(
          "pt2cache.housekeeping.lock-at-most-for (PT2CACHE_JOB_LOCK_TIMEOUT) must be at least "
              + SHORTEST_LOCK.toSeconds()
              + "s (the job locks' keep-alive takes no less), not "
              + lockAtMostFor);
    }
    // 0 would abort every multipart upload in flight at each purge, not keep them
    requirePositive("abandoned-upload-age (PT2CACHE_ABANDONED_UPLOAD_AGE)", abandonedUploadAge);
    requireNotNegative("run-history (PT2CACHE_RUN_HISTORY)", runHistory);
    requireNotNegative("eviction-history (PT2CACHE_EVICTION_HISTORY)", evictionHistory);
    requireNotNegative("invalidation-history (PT2CACHE_INVALIDATION_HISTORY)", invalidationHistory);
    requireNotNegative("token-history (PT2CACHE_TOKEN_HISTORY)", tokenHistory);
    if (reconcileMaxChanges < 0 || batchSize < 1) {
      throw new IllegalArgumentException(
          "pt2cache.housekeeping.reconcile-max-changes must not be negative, and batch-size must"
              + " be positive");
    }
    if (deleteBatch < 1 || deleteBatch > 1000) {
      throw new IllegalArgumentException(
          "pt2cache.housekeeping.delete-batch (PT2CACHE_DELETE_BATCH) must be from 1 to 1000 (S3"
              + " deletes at most 1000 objects a request), not "
              + deleteBatch);
    }
  }

  private static void requirePositive(String name, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(
          "pt2cache.housekeeping." + name + " must be longer than 0, not " + value);
    }
  }

  private static void requireNotNegative(String name, Duration value) {
    if (value == null || value.isNegative()) {
      throw new IllegalArgumentException(
          "pt2cache.housekeeping." + name + " must not be negative, not " + value);
    }
  }
}
