package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.LockWaits;
import dev.pt2cache.support.ServiceInstances;
import dev.pt2cache.support.TaskThreads;
import dev.pt2cache.support.TestInfra;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * An instance stopped (its context closed, which is what SIGTERM sets off) while a housekeeping run
 * asked for through the API outlasts the drain. Before, the run was the request's: the drain's end
 * interrupted it, or closed the connection pool under it, and it left an error for an outcome or
 * its lock taken for 30 minutes (every instance's purge skipped meanwhile, the API answering {@code
 * 409 job-running}) and its run without an end. Now it ends, is recorded and lets go of its lock.
 */
@Tag("integration")
@ExtendWith(DockerWhenContainers.class)
class OnDemandRunStopTest {

  /** The tasks the tests run beside their own: in flight together (TaskThreads). */
  @RegisterExtension final TaskThreads threads = new TaskThreads();

  static final Duration DRAIN = Duration.ofSeconds(2);

  final Map<String, String> infra = TestInfra.serviceEnvironment();
  final JdbcClient sql =
      JdbcClient.create(
          new DriverManagerDataSource(
              infra.get("PT2CACHE_DB_URL"),
              infra.get("PT2CACHE_DB_USER"),
              infra.get("PT2CACHE_DB_PASSWORD")));

  @Test
  void shouldFinishARunAskedForThroughTheApiAndReleaseItsLockWhenTheInstanceStops()
      throws Exception {
    ConfigurableApplicationContext instance = instance(); // migrates a database made for the test
    ApiClient api = ServiceInstances.client(instance);
    String ns = "stop-" + UUID.randomUUID().toString().substring(0, 8);
    UUID retired = UUID.randomUUID();
    sql.sql("insert into namespace (name) values (?)").params(ns).update();
    // retired two hours ago, past the grace period: purge's first statement deletes it
    sql.sql(
            """
            insert into artifact (id, namespace, kind, cache_key, state, sha256, size_bytes,
                                  created_at, ready_at, invalidated_at)
            values (?, ?, 'fx-graph', 'k', 'INVALIDATED', repeat('a', 64), 1,
                    now() - interval '3 hours', now() - interval '3 hours',
                    now() - interval '2 hours')
            """)
        .params(retired, ns)
        .update();
    long lastRun =
        sql.sql("select coalesce(max(id), 0) from housekeeping_run").query(Long.class).single();

    CompletableFuture<?> closed;
    try (Connection holder =
        DriverManager.getConnection(
            infra.get("PT2CACHE_DB_URL"),
            infra.get("PT2CACHE_DB_USER"),
            infra.get("PT2CACHE_DB_PASSWORD"))) {
      // the test holds the retired artifact's row: the run waits for it past the drain
      holder.setAutoCommit(false);
      try (Statement lock = holder.createStatement()) {
        lock.execute("select id from artifact where id = '" + retired + "' for update");
      }
      CompletableFuture.runAsync(
          () -> api.postJson("/v1/housekeeping/jobs/purge/runs", ""), threads);
      await().atMost(Duration.ofSeconds(20)).until(() -> LockWaits.waiting(sql, "artifact"));
      closed = CompletableFuture.runAsync(instance::close, threads);
      Thread.sleep(DRAIN.plusSeconds(1).toMillis()); // the drain is over: the request is ended
      holder.commit();
    }
    closed.get();

    Map<String, Object> run =
        sql.sql(
                """
                select finished_at is not null as finished, outcome::text as outcome
                  from housekeeping_run where job = 'purge' and id > ? order by id limit 1
                """)
            .params(lastRun)
            .query()
            .singleRow();
    assertThat(run).as("the run asked for before the stop").containsEntry("finished", true);
    assertThat((String) run.get("outcome"))
        .as("its outcome")
        .doesNotContain("error")
        .contains("\"retiredArtifactsPurged\"");
    assertThat(
            sql.sql("select count(*) from artifact where id = ?")
                .params(retired)
                .query(Long.class)
                .single())
        .as("the retired artifact purged")
        .isZero();
    assertThat(
            sql.sql("select lock_until > now() from shedlock where name = 'purge'")
                .query(Boolean.class)
                .single())
        .as("purge's lock still taken after the instance stopped")
        .isFalse();
  }

  private static ConfigurableApplicationContext instance() {
    return ServiceInstances.start(
        Map.of(
            "PT2CACHE_HOUSEKEEPING_ENABLED",
            "false",
            "PT2CACHE_SHUTDOWN_TIMEOUT",
            DRAIN.toSeconds() + "s"));
  }
}
