package dev.pt2cache.housekeeping;

import dev.pt2cache.namespace.NamespaceDefaults;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Per-namespace usage as Prometheus gauges: ready artifacts, stored bytes, quota, lookup hit ratio,
 * ready artifacts that nodes reported. Refreshed from the database every 30 seconds by every
 * instance (any one of them tells the truth), so a scrape never queries the database.
 */
@Component
class UsageGauges {

  private record Row(
      String namespace,
      long artifacts,
      long bytes,
      long reported,
      Long quota,
      long hits,
      long misses) {}

  private final JdbcClient jdbc;
  private final NamespaceDefaults defaults;
  private final MultiGauge artifacts;
  private final MultiGauge bytes;
  private final MultiGauge quota;
  private final MultiGauge hitRatio;
  private final MultiGauge reported;

  UsageGauges(JdbcClient jdbc, MeterRegistry registry, NamespaceDefaults defaults) {
    this.jdbc = jdbc;
    this.defaults = defaults;
    this.artifacts =
        MultiGauge.builder("pt2cache.namespace.artifacts")
            .description("Ready artifacts per namespace")
            .register(registry);
    this.bytes =
        MultiGauge.builder("pt2cache.namespace.stored")
            .baseUnit("bytes")
            .description("Bytes of ready artifacts per namespace")
            .register(registry);
    this.quota =
        MultiGauge.builder("pt2cache.namespace.quota")
            .baseUnit("bytes")
            .description(
                "Quota enforced per namespace (its own or the default), where there is one")
            .register(registry);
    this.hitRatio =
        MultiGauge.builder("pt2cache.namespace.hit.ratio")
            .description("Lookup hits over lookups per namespace")
            .register(registry);
    this.reported =
        MultiGauge.builder("pt2cache.namespace.reported.artifacts")
            .description("Ready artifacts per namespace that some node reported as failing")
            .register(registry);
  }

  @Scheduled(fixedDelayString = "${pt2cache.housekeeping.gauge-interval:30s}", initialDelay = 0)
  void refresh() {
    List<Row> rows =
        jdbc.sql(
                """
                select n.name, n.quota_bytes, n.lookup_hits, n.lookup_misses,
                       count(a.id) as artifacts, coalesce(sum(a.size_bytes), 0) as bytes,
                       count(a.id) filter (where a.report_count > 0) as reported
                  from namespace n left join artifact a on a.namespace = n.name and a.state = 'READY'
                 group by n.name
                """)
            .query(
                (rs, i) ->
                    new Row(
                        rs.getString("name"),
                        rs.getLong("artifacts"),
                        rs.getLong("bytes"),
                        rs.getLong("reported"),
                        defaults.quotaOf(rs.getObject("quota_bytes", Long.class)),
                        rs.getLong("lookup_hits"),
                        rs.getLong("lookup_misses")))
            .list();
    artifacts.register(
        rows.stream().map(r -> MultiGauge.Row.of(tags(r), r.artifacts())).toList(), true);
    bytes.register(rows.stream().map(r -> MultiGauge.Row.of(tags(r), r.bytes())).toList(), true);
    reported.register(
        rows.stream().map(r -> MultiGauge.Row.of(tags(r), r.reported())).toList(), true);
    quota.register(
        rows.stream()
            .filter(r -> r.quota() != null)
            .map(r -> MultiGauge.Row.of(tags(r), r.quota()))
            .toList(),
        true);
    hitRatio.register(
        rows.stream()
            .filter(r -> r.hits() + r.misses() > 0)
            .map(r -> MultiGauge.Row.of(tags(r), (double) r.hits() / (r.hits() + r.misses())))
            .toList(),
        true);
  }

  private static Tags tags(Row row) {
    return Tags.of("namespace", row.namespace());
  }
}
