package dev.pt2cache.walk;

import static dev.pt2cache.walk.WalkContext.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.walk.Walker.Op;
import java.util.Objects;

/**
 * The step that sets a namespace's quota, report threshold and idle limit (the quota: the
 * operator's only).
 */
final class NamespaceSteps {

  private static final Long[] QUOTAS = {null, 900L, 2500L, 5000L};
  private static final Integer[] THRESHOLDS = {null, 1, 2};
  private static final Integer[] IDLE_DAYS = {null, 1, 2, 7};

  private final WalkContext walk;
  private final WalkModel model;

  NamespaceSteps(WalkContext walk) {
    this.walk = walk;
    this.model = walk.model;
  }

  void settings(String ns, Op op) {
    Long quota = QUOTAS[op.a() % QUOTAS.length];
    Integer threshold = THRESHOLDS[op.b() % THRESHOLDS.length];
    Integer idleDays = IDLE_DAYS[op.c() % IDLE_DAYS.length];
    ApiResponse answer =
        walk.caller()
            .putJson(
                walk.path(ns, ""),
                "{\"quotaBytes\": %s, \"invalidateAfterReports\": %s, \"maxIdleDays\": %s}"
                    .formatted(quota, threshold, idleDays));
    if (walk.who.role() != Caller.OPERATOR
        && !Objects.equals(quota, model.namespaces.get(ns).quota)) {
      // ADR 0020: only the operator changes a quota
      assertProblem(answer, 403, "forbidden");
      walk.reached("quota refused");
      return;
    }
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    model.namespaces.get(ns).quota = quota;
    model.namespaces.get(ns).reportThreshold = threshold;
    model.namespaces.get(ns).maxIdleDays = idleDays;
    // docs/operations.md: the idle limit housekeeping enforces, the namespace's own or the default
    assertThat(answer.json().get("appliedMaxIdleDays").asInt())
        .as(answer.text())
        .isEqualTo(model.namespaces.get(ns).appliedIdleDays());
  }
}
