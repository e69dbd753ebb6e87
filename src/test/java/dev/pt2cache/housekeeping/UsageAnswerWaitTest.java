package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.LockWaits;
import dev.pt2cache.support.ServiceTest;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * The usage behind the gauges is an aggregate over every ready artifact of every namespace: on a
 * healthy PostgreSQL of many millions of artifacts, or a busy one, it takes longer than a request's
 * statement. It waits for its answer as long as a housekeeping round's statements do ({@code
 * PT2CACHE_JOB_LOCK_TIMEOUT}), not the requests' answer wait: cut at that, it failed on every
 * refresh, for good, and the gauges showed what an earlier, smaller database held.
 */
@TestPropertySource(
    properties = {
      "pt2cache.database.answer-wait=2s",
      "pt2cache.database.lock-wait=1s",
      "pt2cache.housekeeping.lock-at-most-for=30s",
      // this context's gauges compute only when the test asks (other cached contexts keep
      // refreshing theirs every 200 ms on the same database)
      "pt2cache.housekeeping.gauge-interval=1h"
    })
class UsageAnswerWaitTest extends ServiceTest {

  @Autowired UsageGauges gauges;
  @Autowired MeterRegistry registry;
  @Autowired DataSource dataSource;

  @Test
  void shouldComputeTheUsageWhenItTakesLongerThanARequestsAnswerWait() throws Exception {
    uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), Fixtures.randomBytes(1000));
    uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), Fixtures.randomBytes(2000));
    // computed at the context's start, an hour is not yet over: due again
    jdbc.sql("update namespace_usage set computed_at = computed_at - interval '2 hours'").update();

    // the aggregate's write waits for the table, as its statement would work through a large one:
    // longer than a request's answer wait, far shorter than a round's
    try (Connection holder = dataSource.getConnection()) {
      holder.setAutoCommit(false);
      try (Statement lock = holder.createStatement()) {
        lock.execute("lock table namespace_usage in exclusive mode");
      }
      CompletableFuture<Void> refresh = CompletableFuture.runAsync(gauges::refresh);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> LockWaits.waiting(jdbc, "insert into namespace_usage"));
      Thread.sleep(4_000); // twice the answer wait
      holder.rollback();
      refresh.get(30, TimeUnit.SECONDS);
    }

    assertThat(gauge("pt2cache.namespace.artifacts"))
        .as("the usage computed once the aggregate had its answer")
        .isEqualTo(2);
    assertThat(gauge("pt2cache.namespace.stored")).isEqualTo(3000);
  }

  private double gauge(String name) {
    var gauge = registry.find(name).tag("namespace", ns).gauge();
    return gauge == null ? -1 : gauge.value();
  }
}
