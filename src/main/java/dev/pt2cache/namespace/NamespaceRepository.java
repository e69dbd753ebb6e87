package dev.pt2cache.namespace;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;

public interface NamespaceRepository extends JpaRepository<Namespace, String> {

  /**
   * Creates or replaces the settings, recording who set them (the caller's token name, and its id
   * as text, null where it has none); true when the namespace was created.
   */
  @Query(
      value =
          """
          insert into namespace (name, quota_bytes, max_idle_days, invalidate_after_reports,
                                 updated_by, updated_by_id)
          values (:name, :quota, :idle, :reports, :by, cast(:byId as uuid))
          on conflict (name) do update
             set quota_bytes = excluded.quota_bytes,
                 max_idle_days = excluded.max_idle_days,
                 invalidate_after_reports = excluded.invalidate_after_reports,
                 updated_at = now(),
                 updated_by = excluded.updated_by,
                 updated_by_id = excluded.updated_by_id
          returning (xmax = 0)
          """,
      nativeQuery = true)
  boolean upsert(
      @Param("name") String name,
      @Param("quota") Long quota,
      @Param("idle") Integer idle,
      @Param("reports") Integer invalidateAfterReports,
      @Param("by") String by,
      @Param("byId") String byId);

  /**
   * The namespace's own settings (null members where the defaults apply), its row locked against
   * other changes of its settings until the transaction ends; empty when there is no such
   * namespace. The lock is the one an update takes ({@code no key update}), so the rows that
   * reference the namespace (artifacts being reserved) are written meanwhile as ever.
   */
  @Query(
      value =
          """
          select name, quota_bytes as quotaBytes, max_idle_days as maxIdleDays,
                 invalidate_after_reports as invalidateAfterReports
            from namespace where name = :name for no key update
          """,
      nativeQuery = true)
  Optional<StoredSettings> lockSettings(@Param("name") String name);

  /** A namespace's settings as stored. */
  interface StoredSettings {
    // selected too, so that a row whose settings are all null is still a row
    String getName();

    Long getQuotaBytes();

    Integer getMaxIdleDays();

    Integer getInvalidateAfterReports();
  }

  /**
   * A page of namespaces by name, those after {@code after} ({@code ""} for the first), in byte
   * order whatever the database's collation, so that a cursor's name is a place in the same order.
   * The entity's columns by name, never {@code *}: a column a newer instance's migration adds would
   * change the row type of this prepared statement, which PostgreSQL then refuses ({@code cached
   * plan must not change result type}) in the transaction it runs in (docs/adr/0026).
   */
  @Query(
      value =
          """
          select name, quota_bytes, max_idle_days, invalidate_after_reports, lookup_hits,
                 lookup_misses, created_at, updated_at, updated_by, updated_by_id
            from namespace where name collate "C" > :after
           order by name collate "C" limit :limit
          """,
      nativeQuery = true)
  List<Namespace> pageAfter(@Param("after") String after, @Param("limit") int limit);

  /** Ready artifacts and their bytes, per namespace (namespaces without any are absent). */
  @Query(
      value =
          """
          select namespace as name, count(*) as artifactCount, sum(size_bytes) as storedBytes,
                 count(*) filter (where report_count > 0) as reportedArtifacts
            from artifact where state = 'READY' and namespace in (:names) group by namespace
          """,
      nativeQuery = true)
  List<NamespaceUsage> usageOf(@Param("names") List<String> names);

  /** Evictions per namespace (namespaces without any are absent). */
  @Query(
      value =
          """
          select namespace as name, count(*) as evictions, max(evicted_at) as lastEvictionAt
            from eviction where namespace in (:names) group by namespace
          """,
      nativeQuery = true)
  List<NamespaceEvictions> evictionsOf(@Param("names") List<String> names);

  /**
   * When garbage collection (the purge job) last finished, on any instance. {@code 'error'}: the
   * key of a failed run's outcome (housekeeping's {@code JobOutcome.ERROR}).
   */
  @Query(
      value =
          "select max(finished_at) from housekeeping_run where job = 'purge' and finished_at is not null and outcome ->> 'error' is null",
      nativeQuery = true)
  Optional<Instant> lastGarbageCollection();
}
