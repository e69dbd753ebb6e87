package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceInstances;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Invariant 5: two instances of the service on one PostgreSQL and one bucket, each scheduling every
 * housekeeping job every few tens of milliseconds. Each job still runs on one instance at a time; a
 * probe job that takes 300 ms per run makes an overlap certain if the lock did not hold.
 */
@Tag("integration")
@ExtendWith(DockerWhenContainers.class)
class TwoInstancesTest {

  record Run(String job, String instance, Instant started, Instant finished) {}

  @Test
  void shouldRunEachJobOnOneInstanceAtATimeAndEvictWithinItsInterval() throws Exception {
    Instant since = Instant.now();
    List<Run> runs;
    try (ConfigurableApplicationContext a = instance();
        ConfigurableApplicationContext b = instance()) {
      ApiClient first = client(a);
      ApiClient second = client(b);
      String ns = "two-" + UUID.randomUUID().toString().substring(0, 8);
      first.putJson("/v1/namespaces/" + ns, "{\"quotaBytes\": 1500}");
      for (int i = 0; i < 3; i++) {
        byte[] bytes = Fixtures.randomBytes(1000);
        ApiResponse created =
            second.postJson("/v1/namespaces/" + ns + "/artifacts", Descriptors.upload(bytes));
        second.putBytes(created.json().get("uploadUrl").asString(), bytes);
      }
      // nobody asks: the schedule evicts, on whichever instance holds the job's lock
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> first.get("/v1/namespaces/" + ns).json().get("evictions").asLong() == 2);
      // enough runs to show an overlap if the lock did not hold, however slowly they come
      JdbcClient jdbc = a.getBean(JdbcClient.class);
      runs =
          await()
              .atMost(Duration.ofSeconds(60))
              .until(() -> runsSince(jdbc, since), TwoInstancesTest::enoughToJudge);
    }

    Map<String, List<Run>> byJob = byJob(runs);
    System.out.printf(
        "runs per job: %s, instances: %s%n",
        byJob.entrySet().stream()
            .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().size())),
        runs.stream().map(Run::instance).distinct().toList());
    byJob.forEach(
        (job, jobRuns) -> {
          for (int i = 1; i < jobRuns.size(); i++) {
            Run previous = jobRuns.get(i - 1);
            Run next = jobRuns.get(i);
            assertThat(next.started())
                .as(
                    "%s run on %s started before the run on %s ended",
                    job, next.instance(), previous.instance())
                .isAfterOrEqualTo(previous.finished());
          }
        });
  }

  /** Every job ran, the slow probe five times or more, and both instances ran some. */
  private static boolean enoughToJudge(List<Run> runs) {
    Map<String, List<Run>> byJob = byJob(runs);
    return byJob.keySet().containsAll(List.of("retention", "purge", "reconcile", "probe"))
        && byJob.get("probe").size() >= 5
        && runs.stream().map(Run::instance).distinct().count() == 2;
  }

  private static Map<String, List<Run>> byJob(List<Run> runs) {
    return runs.stream()
        .collect(Collectors.groupingBy(Run::job, LinkedHashMap::new, Collectors.toList()));
  }

  private static ConfigurableApplicationContext instance() {
    return ServiceInstances.start(
        Map.of(
            "PT2CACHE_HOUSEKEEPING_ENABLED", "true",
            "PT2CACHE_RETENTION_INTERVAL", "50ms",
            "PT2CACHE_PURGE_INTERVAL", "100ms",
            "PT2CACHE_RECONCILE_INTERVAL", "200ms"),
        SlowProbe.class);
  }

  private static ApiClient client(ConfigurableApplicationContext context) {
    return ServiceInstances.client(context);
  }

  private static List<Run> runsSince(JdbcClient jdbc, Instant since) {
    return new ArrayList<>(
        jdbc.sql(
                """
                select job, instance, started_at, finished_at from housekeeping_run
                 where started_at >= ? and finished_at is not null order by job, started_at
                """)
            .param(Timestamp.from(since))
            .query(
                (rs, n) ->
                    new Run(
                        rs.getString("job"),
                        rs.getString("instance"),
                        rs.getTimestamp("started_at").toInstant(),
                        rs.getTimestamp("finished_at").toInstant()))
            .list());
  }

  /** A job that takes long enough for two unlocked instances to overlap. */
  @Configuration(proxyBeanMethods = false)
  static class SlowProbe {

    @Bean
    HousekeepingJob probe() {
      return new HousekeepingJob() {
        @Override
        public String name() {
          return "probe";
        }

        @Override
        public Duration interval() {
          return Duration.ofMillis(20);
        }

        @Override
        public Map<String, Object> run() {
          try {
            Thread.sleep(300);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return Map.of();
        }
      };
    }
  }
}
