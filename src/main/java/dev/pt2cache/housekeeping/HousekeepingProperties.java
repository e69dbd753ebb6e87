package dev.pt2cache.housekeeping;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Housekeeping, bound from {@code pt2cache.housekeeping.*}.
 *
 * @param enabled run the jobs on a schedule on this instance (they can still be run on demand)
 * @param grace how long retired artifacts, unreferenced blobs, orphan objects, expired reservations
 *     and unfinished multipart uploads are left alone before they are removed: an in-flight reader
 *     or a racing upload never loses what it relies on
 * @param quotaMargin eviction brings a namespace over its quota down to {@code quota * (1 -
 *     margin)}, so that eviction does not run on every upload
 * @param retentionInterval how often quotas and idle limits are enforced
 * @param purgeInterval how often retired artifacts, expired reservations, unreferenced blobs and
 *     unfinished multipart uploads are collected
 * @param reconcileInterval how often the bucket is compared with the metadata
 * @param reconcileMaxChanges the most orphan objects one reconciliation may delete, and the most
 *     lost blobs it may retire; a run that finds more of either changes nothing (the service is
 *     probably pointed at the wrong bucket or database)
 * @param lockAtMostFor how long a crashed instance can keep a job's lock
 * @param abandonedUploadAge when an unfinished multipart upload counts as abandoned; longer than
 *     the slowest upload of the largest artifact
 * @param runHistory how long the record of each job run is kept
 * @param evictionHistory how long the record of each eviction is kept
 * @param invalidationHistory how long the record of each invalidation is kept, once it is no
 *     blocking rule in force and no artifact it retired is left to purge
 * @param tokenHistory how long a token is kept once it was revoked or expired
 * @param batchSize rows handled per statement
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
    @DefaultValue("30m") Duration lockAtMostFor,
    @DefaultValue("24h") Duration abandonedUploadAge,
    @DefaultValue("7d") Duration runHistory,
    @DefaultValue("30d") Duration evictionHistory,
    @DefaultValue("365d") Duration invalidationHistory,
    @DefaultValue("365d") Duration tokenHistory,
    @DefaultValue("500") int batchSize) {}
