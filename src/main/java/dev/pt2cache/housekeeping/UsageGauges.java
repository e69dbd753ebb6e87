package dev.pt2cache.housekeeping;

import dev.pt2cache.namespace.NamespaceDefaults;
import dev.pt2cache.system.AnswerWait;
import dev.pt2cache.system.RecurringFailureLog;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Per-namespace usage as Prometheus gauges: ready artifacts, stored bytes, quota, lookup hit ratio,
 * ready artifacts that nodes reported. Every instance refreshes them from the database every 30
 * seconds (any one of them tells the truth), so a scrape never queries the database. The usage
 * itself, an aggregate over every ready artifact, is computed for the whole fleet by whichever
 * instance finds it older than half the interval, and kept in {@code namespace_usage}.
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
  private final Duration interval;
  private final Duration aggregateWait;
  private final AtomicReference<Double> computedAt = new AtomicReference<>(0.0);
  private final RecurringFailureLog failures =
      RecurringFailureLog.warnEveryMinute(
          UsageGauges.class, "usage gauges not refreshed; they show what they last read");
  private final TaggedGauges artifacts;
  private final TaggedGauges bytes;
  private final TaggedGauges quota;
  private final TaggedGauges hitRatio;
  private final TaggedGauges reported;

  UsageGauges(
      JdbcClient jdbc,
      MeterRegistry registry,
      NamespaceDefaults defaults,
      @Value("${pt2cache.housekeeping.gauge-interval:30s}") Duration interval,
      HousekeepingProperties housekeeping) {
    this.jdbc = jdbc;
    this.defaults = defaults;
    this.interval = interval;
    // the aggregate is a housekeeping round's work, bounded as a round is (JobRunner.locked)
    this.aggregateWait = housekeeping.lockAtMostFor();
    this.artifacts =
        namespaceGauges(
            registry, "pt2cache.namespace.artifacts", "Ready artifacts per namespace", null);
    this.bytes =
        namespaceGauges(
            registry,
            "pt2cache.namespace.stored",
            "Bytes of ready artifacts per namespace",
            "bytes");
    this.quota =
        namespaceGauges(
            registry,
            "pt2cache.namespace.quota",
            "Quota enforced per namespace (its own or the default), where there is one",
            "bytes");
    this.hitRatio =
        namespaceGauges(
            registry,
            "pt2cache.namespace.hit.ratio",
            "Lookup hits over lookups per namespace",
            null);
    this.reported =
        namespaceGauges(
            registry,
            "pt2cache.namespace.reported.artifacts",
            "Ready artifacts per namespace that some node reported as failing",
            null);
    Gauge.builder("pt2cache.namespace.usage.computed", computedAt, AtomicReference::get)
        .baseUnit("seconds")
        .description(
            "When the usage the namespace gauges show was computed, by any instance, as this"
                + " instance last read it (Unix time; 0: not yet)")
        .register(registry);
  }

  @Scheduled(fixedDelayString = "${pt2cache.housekeeping.gauge-interval:30s}", initialDelay = 0)
  void refresh() {
    try {
      // a silent PostgreSQL held a scheduler thread for as long (AnswerWait). The aggregate reads
      // every ready artifact, as a housekeeping round's statements do: under the requests' bound
      // it was cut on a large or busy database (0.6 to 0.8 s per 10^6 artifacts with the table in
      // memory, several times that from disk), and failed on every refresh from then on
      AnswerWait.bounded(aggregateWait, () -> computeUnlessNewerThan(interval.dividedBy(2)));
      AnswerWait.bounded(
          () -> {
            show();
            return null;
          });
    } catch (RuntimeException e) {
      failures.failed(e); // the database is down, say: the gauges keep what they showed
    }
  }

  private void show() {
    computedAt.set(
        jdbc.sql("select coalesce(extract(epoch from max(computed_at)), 0) from namespace_usage")
            .query(Double.class)
            .single());
    List<Row> rows =
        jdbc.sql(
                """
                select n.name, n.quota_bytes, n.lookup_hits, n.lookup_misses,
                       coalesce(u.artifacts, 0) as artifacts, coalesce(u.stored_bytes, 0) as bytes,
                       coalesce(u.reported_artifacts, 0) as reported
                  from namespace n left join namespace_usage u on u.namespace = n.name
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
    artifacts.show(byNamespace(rows, r -> true, Row::artifacts));
    bytes.show(byNamespace(rows, r -> true, Row::bytes));
    reported.show(byNamespace(rows, r -> true, Row::reported));
    quota.show(byNamespace(rows, r -> r.quota() != null, Row::quota));
    hitRatio.show(
        byNamespace(
            rows,
            r -> r.hits() + r.misses() > 0,
            r -> (double) r.hits() / (r.hits() + r.misses())));
  }

  private static TaggedGauges namespaceGauges(
      MeterRegistry registry, String name, String description, String baseUnit) {
    return new TaggedGauges(registry, name, "namespace", description, baseUnit);
  }

  private static Map<String, Number> byNamespace(
      List<Row> rows, Predicate<Row> shown, Function<Row, Number> value) {
    return rows.stream()
        .filter(shown)
        .collect(Collectors.toMap(Row::namespace, value, (a, b) -> b, TreeMap::new));
  }

  /**
   * Computes every namespace's usage, unless some instance did less than {@code age} ago by the
   * database's clock: a fleet runs the aggregate about once per interval, not once per instance.
   * Two instances that find it old at once both compute; each writes the rows in namespace order,
   * so that neither waits on the other in a cycle.
   *
   * @return whether this call computed it
   */
  boolean computeUnlessNewerThan(Duration age) {
    return jdbc.sql(
                """
                insert into namespace_usage
                       (namespace, artifacts, stored_bytes, reported_artifacts, computed_at)
                select n.name, count(a.namespace), coalesce(sum(a.size_bytes), 0),
                       count(a.namespace) filter (where a.report_count > 0), now()
                  from namespace n
                  left join artifact a on a.namespace = n.name and a.state = 'READY'
                 where not exists (select 1 from namespace_usage
                                    where computed_at > now() - make_interval(secs => :age))
                 group by n.name
                 order by n.name
                on conflict (namespace) do update
                   set artifacts = excluded.artifacts, stored_bytes = excluded.stored_bytes,
                       reported_artifacts = excluded.reported_artifacts,
                       computed_at = excluded.computed_at
                """)
            .param("age", age.toMillis() / 1000.0)
            .update()
        > 0;
  }
}
