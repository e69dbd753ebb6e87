package dev.pt2cache.walk;

import static dev.pt2cache.walk.WalkContext.MEGA;
import static dev.pt2cache.walk.WalkContext.assertProblem;
import static dev.pt2cache.walk.WalkContext.descriptorJson;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.walk.Walker.Op;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/** The steps that look a descriptor up (and fetch what a hit names) and download an artifact. */
final class LookupSteps {

  private final WalkContext walk;
  private final WalkModel model;

  LookupSteps(WalkContext walk) {
    this.walk = walk;
    this.model = walk.model;
  }

  void lookup(String ns, Desc desc) {
    ApiResponse answer =
        walk.caller()
            .postJson(walk.path(ns, "/lookups"), Descriptors.lookup(MEGA, descriptorJson(desc)));
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    JsonNode json = answer.json();
    String key = json.get("key").asString();
    walk.learnKey(desc, key);
    Tri blocked = model.blocks(ns, MEGA, key, desc, null);
    walk.reached(json.get("hit").asBoolean() ? "hit" : json.get("miss").get("reason").asString());
    Optional<Art> ready = model.readyUnder(ns, MEGA, key);
    if (blocked == Tri.MAYBE
        && !json.get("hit").asBoolean()
        && json.get("miss").get("reason").asString().equals("blocked")) {
      // a rule expiring at this very moment: blocked, or what follows
      walk.reached("blocked at its expiry");
    } else if (blocked == Tri.YES) {
      assertThat(json.get("hit").asBoolean()).as(answer.text()).isFalse();
      assertThat(json.get("miss").get("reason").asString()).as(answer.text()).isEqualTo("blocked");
    } else if (ready.isPresent()) {
      assertThat(json.get("hit").asBoolean()).as(answer.text()).isTrue();
      assertThat(json.get("artifact").get("id").asString()).isEqualTo(ready.get().id);
      assertThat(json.get("artifact").get("sha256").asString()).isEqualTo(ready.get().sha);
      model.used(ready.get());
      ApiResponse bytes = walk.caller().get(json.get("artifact").get("downloadUrl").asString());
      assertThat(bytes.status()).as(bytes.text()).isEqualTo(200);
      assertThat(Fixtures.sha256(bytes.body())).isEqualTo(ready.get().sha);
    } else {
      assertThat(json.get("hit").asBoolean()).as(answer.text()).isFalse();
      assertThat(json.get("miss").get("reason").asString())
          .as(answer.text())
          .isIn(model.missReasons(ns, MEGA, key));
    }
  }

  void download(String ns, Op op) {
    List<Art> known = model.in(ns);
    if (known.isEmpty()) {
      return;
    }
    Art art = known.get(op.a() % known.size());
    ApiResponse answer = walk.caller().get(walk.path(ns, "/artifacts/" + art.id + "/content"));
    walk.reached(art.state + " " + answer.status());
    switch (art.state) {
      case READY -> {
        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        assertThat(Fixtures.sha256(answer.body())).isEqualTo(art.sha);
      }
      case PENDING -> assertProblem(answer, 409, "not-ready");
      case INVALIDATED -> assertProblem(answer, 410, "invalidated");
      case EVICTED -> assertProblem(answer, 410, "evicted");
      case GONE -> assertProblem(answer, 404, "artifact-not-found");
    }
  }
}
