package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Housekeeping on a service shared by a whole company: hundreds of namespaces, most of them idle.
 * What a round asks PostgreSQL must not grow with the namespaces that need nothing.
 */
class ManyNamespacesTest extends ServiceTest {

  private static final int IDLE_NAMESPACES = 400;

  @Autowired MeterRegistry registry;

  private final String prefix = "many-" + UUID.randomUUID().toString().substring(0, 8) + "-";

  @AfterEach
  void dropSeeded() {
    jdbc.sql("delete from namespace where name like ?").param(prefix + "%").update();
  }

  /**
   * Every namespace has a limit here (the tests' default quota, and the default idle limit), so a
   * round used to ask two queries of each: 10,000 namespaces took 1.4 to 5.5 s and 20,000 queries
   * every 30 s. Now one query finds which namespaces are over their quota or hold idle artifacts,
   * and only those are worked on: this one's two over a 3,000-byte quota, and nothing of the 400
   * idle ones.
   */
  @Test
  void shouldFindWhatNeedsEvictionWithoutAQueryPerNamespace() {
    seedEmptyNamespaces();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      String descriptor = Descriptors.of(Descriptors.uniqueModel());
      ids.add(uploadMegaCache(descriptor, Fixtures.randomBytes(1000)).json().get("id").asString());
    }
    assertThat(api.putJson(path(""), "{\"quotaBytes\":3000}").status()).isEqualTo(200);

    long before = connectionsTaken();
    JsonNode outcome = runJob("retention");
    long taken = connectionsTaken() - before;

    assertThat(evictedHere(outcome, "evictedOverQuota", "QUOTA")).isEqualTo(2);
    assertThat(ids.stream().filter(id -> state(id).equals("evicted"))).hasSize(2);
    assertThat(taken)
        .as("database connections taken by a round over %d namespaces", IDLE_NAMESPACES)
        .isLessThan(IDLE_NAMESPACES / 10);
  }

  /**
   * Each namespace's eviction series is still there at 0 once a round checked its limit (ADR 0027),
   * though the round asked nothing of it.
   */
  @Test
  void shouldStillShowEachLimitedNamespacesEvictionsAtZero() {
    seedEmptyNamespaces();

    runJob("retention");

    String one = prefix + "00001";
    assertThat(registry.find("pt2cache.evictions").tag("namespace", one).counters())
        .extracting(c -> c.getId().getTag("reason"))
        .containsExactlyInAnyOrder("quota", "idle");
  }

  private void seedEmptyNamespaces() {
    jdbc.sql(
            "insert into namespace (name) select ? || lpad(i::text, 5, '0')"
                + " from generate_series(1, ?) i")
        .params(prefix, IDLE_NAMESPACES)
        .update();
  }

  private String state(String id) {
    return api.get(path("/artifacts/" + id)).json().get("state").asString();
  }

  /** Connections handed out by the pool so far: one per transaction or lone statement. */
  private long connectionsTaken() {
    return registry.find("hikaricp.connections.acquire").timers().stream()
        .mapToLong(Timer::count)
        .sum();
  }
}
