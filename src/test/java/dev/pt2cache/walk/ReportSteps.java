package dev.pt2cache.walk;

import static dev.pt2cache.walk.WalkContext.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.walk.Walker.Op;
import java.util.List;

/**
 * The steps that report an artifact (retiring it at the namespace's threshold) and clear reports.
 */
final class ReportSteps {

  private final WalkContext walk;
  private final WalkModel model;

  ReportSteps(WalkContext walk) {
    this.walk = walk;
    this.model = walk.model;
  }

  void report(String ns, Op op) {
    List<Art> known = model.in(ns);
    if (known.isEmpty()) {
      return;
    }
    Art art = known.get(op.a() % known.size());
    String node = "node-" + (op.b() % 3);
    ApiResponse answer =
        walk.caller()
            .postJson(
                walk.path(ns, "/artifacts/" + art.id + "/reports"),
                "{\"problem\": \"load-failed\", \"detail\": \"walk\", \"node\": \"%s\"}"
                    .formatted(node));
    walk.reached(art.state + " " + answer.status());
    switch (art.state) {
      case GONE -> assertProblem(answer, 404, "artifact-not-found");
      case PENDING -> assertProblem(answer, 409, "not-ready");
      default -> reported(ns, art, node, answer);
    }
  }

  private void reported(String ns, Art art, String node, ApiResponse answer) {
    // docs/operations.md, Reports: a reporter is the token's name and the node
    boolean fresh = art.reporters.add(walk.who.name() + "/" + node);
    assertThat(answer.status()).as(answer.text()).isEqualTo(fresh ? 201 : 200);
    assertThat(answer.json().get("reportCount").asInt()).isEqualTo(art.reporters.size());
    Integer threshold = model.namespaces.get(ns).reportThreshold;
    if (threshold != null && art.state == State.READY && art.reporters.size() >= threshold) {
      walk.reached("retired by reports");
      model.retire(art, State.INVALIDATED);
    }
  }

  void clearReports(String ns, Op op) {
    List<Art> known = model.in(ns);
    if (known.isEmpty()) {
      return;
    }
    Art art = known.get(op.a() % known.size());
    ApiResponse answer = walk.caller().delete(walk.path(ns, "/artifacts/" + art.id + "/reports"));
    walk.reached(art.state + " " + answer.status());
    if (art.state == State.GONE) {
      assertProblem(answer, 404, "artifact-not-found");
      return;
    }
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    assertThat(answer.json().get("reportCount").asInt()).isZero();
    art.reporters.clear();
  }
}
