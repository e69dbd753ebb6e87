package dev.pt2cache.walk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.JobLocks;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The steps that run the housekeeping jobs at random points: retention (evicting what is idle and
 * what is over quota), purge (of what is retired and of expired reservations, once their grace
 * period has passed) and reconcile (finding nothing wrong).
 */
final class HousekeepingSteps {

  private final WalkContext walk;
  private final WalkModel model;

  HousekeepingSteps(WalkContext walk) {
    this.walk = walk;
    this.model = walk.model;
  }

  /**
   * docs/operations.md, Quotas and idle limits: the run writes this instance's gathered hits first,
   * then in each namespace evicts what was unused longer than its idle limit, then the least
   * recently used over its quota. An artifact too close to its idle limit to say is taken as the
   * run left it.
   */
  void retention() {
    JsonNode outcome = run("retention");
    int idle = 0;
    int quota = 0;
    for (String ns : walk.nsNames) {
      for (Map.Entry<Art, Tri> due : model.idle(ns).entrySet()) {
        if (due.getValue() == Tri.YES || walk.stateOf(due.getKey()).equals("evicted")) {
          model.retire(due.getKey(), State.EVICTED);
          idle++;
        }
      }
      for (Art art : model.overQuota(ns, 0.1)) {
        model.retire(art, State.EVICTED);
        quota++;
      }
    }
    walk.reached("evicted idle " + Math.min(idle, 3));
    walk.reached("evicted over quota " + Math.min(quota, 3));
    atLeast(outcome, "evictedIdle", idle);
    atLeast(outcome, "evictedOverQuota", quota);
  }

  /**
   * docs/operations.md, Grace period: retired artifacts go one grace period after their retirement,
   * and reservations one grace period after they expired; one too close to say is taken as the run
   * left it.
   */
  void purge() {
    JsonNode outcome = run("purge");
    int retired = 0;
    int reservations = 0;
    for (Map.Entry<Art, Tri> due : model.purgeable(walk.nsNames).entrySet()) {
      Art art = due.getKey();
      if (due.getValue() == Tri.YES || walk.stateOf(art).equals("gone")) {
        if (art.state == State.PENDING) {
          reservations++;
        } else {
          retired++;
        }
        art.state = State.GONE;
      }
    }
    walk.reached("purged " + Math.min(retired, 3) + " retired, " + Math.min(reservations, 3));
    atLeast(outcome, "retiredArtifactsPurged", retired);
    atLeast(outcome, "expiredReservationsDropped", reservations);
  }

  /** A run counts what it did in every namespace; other tests' namespaces add to the walk's. */
  private static void atLeast(JsonNode outcome, String count, int model) {
    assertThat(outcome.path(count).asInt())
        .as("%s, the model's %s: %d", outcome, count, model)
        .isGreaterThanOrEqualTo(model);
  }

  void reconcile() {
    JsonNode outcome = run("reconcile");
    assertThat(outcome.path("blobsFoundMissing").asInt()).as(outcome.toString()).isZero();
    assertThat(outcome.path("blobsFoundDamaged").asInt()).as(outcome.toString()).isZero();
  }

  private JsonNode run(String job) {
    ApiResponse run = JobLocks.run(walk.api, job);
    assertThat(run.status()).as(run.text()).isEqualTo(200);
    return run.json().get("outcome");
  }
}
