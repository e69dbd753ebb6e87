package dev.pt2cache.housekeeping;

import dev.pt2cache.artifact.HitRecorder;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Enforces each namespace's quota and idle limit (every 30 seconds by default). */
@Component
class RetentionJob implements HousekeepingJob {

  private record Limits(String namespace, Long quotaBytes, Integer maxIdleDays) {}

  private final JdbcClient jdbc;
  private final Evictions evictions;
  private final HitRecorder hits;
  private final HousekeepingProperties properties;

  RetentionJob(
      JdbcClient jdbc, Evictions evictions, HitRecorder hits, HousekeepingProperties properties) {
    this.jdbc = jdbc;
    this.evictions = evictions;
    this.hits = hits;
    this.properties = properties;
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
                    limits.namespace(), limits.quotaBytes(), properties.quotaMargin()));
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

  private Iterable<Limits> limited() {
    return jdbc.sql(
            """
            select name, quota_bytes, max_idle_days from namespace
             where quota_bytes is not null or max_idle_days is not null
            """)
        .query(
            (rs, n) ->
                new Limits(
                    rs.getString("name"),
                    rs.getObject("quota_bytes", Long.class),
                    rs.getObject("max_idle_days", Integer.class)))
        .list();
  }
}
