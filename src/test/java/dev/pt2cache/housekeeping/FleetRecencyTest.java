package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceInstances;
import dev.pt2cache.support.ServiceTest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Least recently used as the fleet sees it: a hit on another instance, which writes its hits in
 * batches, counts before this instance's {@code retention} chooses what to evict. The other
 * instance here writes its batches once a minute, so only the prompt write of a hit on an idle
 * artifact can reach the database within the test.
 */
class FleetRecencyTest extends ServiceTest {

  @Test
  void shouldKeepAnIdleArtifactJustHitOnAnotherInstanceAndEvictTheNextIdleOne() throws Exception {
    limits("100000", "null");
    String x =
        uploadMegaCache(Descriptors.of("x-" + ns), Fixtures.randomBytes(30_000))
            .json()
            .get("id")
            .asString();
    String y =
        uploadMegaCache(Descriptors.of("y-" + ns), Fixtures.randomBytes(30_000))
            .json()
            .get("id")
            .asString();
    String z =
        uploadMegaCache(Descriptors.of("z-" + ns), Fixtures.randomBytes(30_000))
            .json()
            .get("id")
            .asString();
    // idle for hours, x the longest
    idleFor(x, 3);
    idleFor(y, 2);
    idleFor(z, 1);
    try (ConfigurableApplicationContext other = otherInstance()) {
      ApiClient b = ServiceInstances.client(other);
      assertThat(
              b.postJson(
                      path("/lookups"), Descriptors.lookup("mega-cache", Descriptors.of("x-" + ns)))
                  .json()
                  .get("hit")
                  .asBoolean())
          .isTrue();
      // a while for that write, then on: before the prompt write, it never came in time
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (!hitWritten(x) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      // over the quota by one artifact: retention here evicts the least recently used, while the
      // other instance still runs (its shutdown writes what it holds)
      uploadMegaCache(Descriptors.of("w-" + ns), Fixtures.randomBytes(30_000));
      runJob("retention");
    }
    assertThat(stateOf(x)).contains("READY");
    assertThat(stateOf(y)).contains("EVICTED");
    assertThat(stateOf(z)).contains("READY");
  }

  private boolean hitWritten(String id) {
    return jdbc.sql("select last_hit_at is not null from artifact where id = ?::uuid")
        .param(id)
        .query(Boolean.class)
        .single();
  }

  private void idleFor(String id, int hours) {
    jdbc.sql("update artifact set ready_at = now() - make_interval(hours => ?) where id = ?::uuid")
        .params(hours, id)
        .update();
  }

  private static ConfigurableApplicationContext otherInstance() {
    return ServiceInstances.start(
        Map.of(
            "PT2CACHE_HOUSEKEEPING_ENABLED", "false",
            "PT2CACHE_WARMUP", "false",
            "PT2CACHE_HITS_FLUSH_INTERVAL", "1m"));
  }
}
