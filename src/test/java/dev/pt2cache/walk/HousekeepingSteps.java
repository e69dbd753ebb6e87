package dev.pt2cache.walk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.walk.WalkModel.Art;
import dev.pt2cache.walk.WalkModel.State;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The steps that run the housekeeping jobs at random points: retention (evicting over quota), purge
 * (of what is retired and of expired reservations) and reconcile (finding nothing wrong).
 */
final class HousekeepingSteps {

  private final WalkContext walk;
  private final WalkModel model;

  HousekeepingSteps(WalkContext walk) {
    this.walk = walk;
    this.model = walk.model;
  }

  void retention() {
    Map<String, List<Art>> due = new LinkedHashMap<>();
    for (String ns : walk.nsNames) {
      due.put(ns, model.overQuota(ns, 0.1));
    }
    JsonNode outcome = run("retention");
    for (String ns : walk.nsNames) {
      for (Art art : due.get(ns)) {
        art.state = State.EVICTED;
      }
    }
    int evicted = due.values().stream().mapToInt(List::size).sum();
    walk.reached("evicted " + Math.min(evicted, 3));
    if (evicted > 0) {
      // the run counts every namespace's evictions; other tests' namespaces hold none
      assertThat(outcome.path("evictedOverQuota").asInt())
          .as("%s, the model evicts %s", outcome, due)
          .isGreaterThanOrEqualTo(evicted);
    }
  }

  void purge() {
    run("purge");
    walk.reached("ran");
    model.arts.values().stream()
        .filter(
            a ->
                walk.nsNames.contains(a.ns)
                    && (a.retired() || a.expired && a.state == State.PENDING))
        .forEach(a -> a.state = State.GONE);
  }

  void reconcile() {
    JsonNode outcome = run("reconcile");
    assertThat(outcome.path("blobsFoundMissing").asInt()).as(outcome.toString()).isZero();
    assertThat(outcome.path("blobsFoundDamaged").asInt()).as(outcome.toString()).isZero();
  }

  private JsonNode run(String job) {
    ApiResponse run = walk.api.postJson("/v1/housekeeping/jobs/" + job + "/runs", "");
    assertThat(run.status()).as(run.text()).isEqualTo(200);
    return run.json().get("outcome");
  }
}
