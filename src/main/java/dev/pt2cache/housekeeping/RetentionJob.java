package dev.pt2cache.housekeeping;

import dev.pt2cache.artifact.HitRecorder;
import dev.pt2cache.namespace.NamespaceDefaults;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Enforces each namespace's quota and idle limit (every 30 seconds by default): its own, or the
 * defaults ({@link NamespaceDefaults}) where it sets none.
 */
@Component
class RetentionJob implements HousekeepingJob {

  /** A namespace's limits as enforced, and whether it is past them now. */
  private record Limits(
      String namespace,
      Long quotaBytes,
      Integer maxIdleDays,
      boolean holdsIdle,
      boolean overQuota) {}

  private final JdbcClient jdbc;
  private final Evictions evictions;
  private final HitRecorder hits;
  private final HousekeepingProperties properties;
  private final NamespaceDefaults defaults;

  RetentionJob(
      JdbcClient jdbc,
      Evictions evictions,
      HitRecorder hits,
      HousekeepingProperties properties,
      NamespaceDefaults defaults) {
    this.jdbc = jdbc;
    this.evictions = evictions;
    this.hits = hits;
    this.properties = properties;
    this.defaults = defaults;
  }

  @Override
  public String name() {
    return "retention";
  }

  @Override
  public Duration interval() {
    return properties.retentionInterval();
  }

  @Override
  public Map<String, Object> run() {
    // this instance's latest hits count before anything is judged unused: with them unwritten (a
    // flush that gave up on a held row), the round evicted an artifact read here a moment ago
    if (!hits.written()) {
      throw new IllegalStateException(
          "this instance's latest hits could not be written (see the line above), so nothing is"
              + " judged unused this round; the next round tries again");
    }
    Evictions.Evicted idle = Evictions.Evicted.NONE;
    Evictions.Evicted quota = Evictions.Evicted.NONE;
    for (Limits limits : limited()) {
      if (limits.maxIdleDays() != null) {
        evictions.checked(limits.namespace(), "IDLE");
        if (limits.holdsIdle()) {
          idle =
              idle.plus(
                  evictions.idle(limits.namespace(), limits.maxIdleDays(), properties.batchSize()));
        }
      }
      if (limits.quotaBytes() != null) {
        evictions.checked(limits.namespace(), "QUOTA");
        if (limits.overQuota()) {
          quota =
              quota.plus(
                  evictions.overQuota(
                      limits.namespace(),
                      limits.quotaBytes(),
                      properties.quotaMargin(),
                      properties.batchSize()));
        }
      }
    }
    Map<String, Object> outcome = new LinkedHashMap<>();
    if (idle.artifacts() + quota.artifacts() > 0) {
      outcome.put("evictedIdle", idle.artifacts());
      outcome.put("evictedOverQuota", quota.artifacts());
      outcome.put("bytesFreed", idle.bytes() + quota.bytes());
    }
    return outcome;
  }

  /**
   * Each namespace with a limit (its own, or the default), and whether it needs eviction now: one
   * statement for them all, an index probe per namespace inside PostgreSQL (about 0.1 s at 10,000
   * namespaces), rather than two round trips per namespace from here (1.4 to 5.5 s, 20,000 queries
   * every interval, though most namespaces of a large fleet are idle and need nothing). Only the
   * namespaces it names are then worked on, each as before.
   */
  private List<Limits> limited() {
    return jdbc.sql(
            """
            select name, quota, idle_days,
                   idle_days is not null and exists (
                     select 1 from artifact a
                      where a.namespace = l.name and a.state = 'READY'
                        and coalesce(a.last_hit_at, a.ready_at)
                            < now() - make_interval(hours => 24 * l.idle_days)) as holds_idle,
                   quota is not null and (
                     select coalesce(sum(a.size_bytes), 0) from artifact a
                      where a.namespace = l.name and a.state = 'READY') > quota as over_quota
              from (select name, coalesce(quota_bytes, cast(:quota as bigint)) as quota,
                           coalesce(max_idle_days, cast(:idle as integer)) as idle_days
                      from namespace) l
             where quota is not null or idle_days is not null
            """)
        .param("quota", defaults.quotaOf(null))
        .param("idle", defaults.maxIdleDaysOf(null))
        .query(
            (rs, n) ->
                new Limits(
                    rs.getString("name"),
                    rs.getObject("quota", Long.class),
                    rs.getObject("idle_days", Integer.class),
                    rs.getBoolean("holds_idle"),
                    rs.getBoolean("over_quota")))
        .list();
  }
}
