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

  private record Limits(String namespace, Long quotaBytes, Integer maxIdleDays) {}

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
    // this instance's latest hits count before anything is judged unused
    hits.flush();
    Evictions.Evicted idle = Evictions.Evicted.NONE;
    Evictions.Evicted quota = Evictions.Evicted.NONE;
    for (Limits limits : limited()) {
      if (limits.maxIdleDays() != null) {
        idle =
            idle.plus(
                evictions.idle(limits.namespace(), limits.maxIdleDays(), properties.batchSize()));
      }
      if (limits.quotaBytes() != null) {
        quota =
            quota.plus(
                evictions.overQuota(
                    limits.namespace(),
                    limits.quotaBytes(),
                    properties.quotaMargin(),
                    properties.batchSize()));
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

  /** Each namespace with a limit: its own, or the default. */
  private List<Limits> limited() {
    return jdbc
        .sql("select name, quota_bytes, max_idle_days from namespace")
        .query(
            (rs, n) ->
                new Limits(
                    rs.getString("name"),
                    defaults.quotaOf(rs.getObject("quota_bytes", Long.class)),
                    defaults.maxIdleDaysOf(rs.getObject("max_idle_days", Integer.class))))
        .list()
        .stream()
        .filter(limits -> limits.quotaBytes() != null || limits.maxIdleDays() != null)
        .toList();
  }
}
