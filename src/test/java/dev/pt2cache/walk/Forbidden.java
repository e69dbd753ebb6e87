package dev.pt2cache.walk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.walk.Walker.Kind;
import java.util.Optional;
import java.util.UUID;

/**
 * A call of each kind made with a token that does not allow it: {@code 403 forbidden}, and (as the
 * walk's invariants then check) nothing changed.
 */
final class Forbidden {

  private Forbidden() {}

  static void check(ApiClient caller, String ns, Kind kind, Optional<String> someArtifact) {
    String base = "/v1/namespaces/" + ns;
    String artifact = base + "/artifacts/" + someArtifact.orElse(UUID.randomUUID().toString());
    String descriptor = WalkContext.descriptorJson(WalkContext.DESCS.get(0));
    String entry = base + "/entries/fx-graph/" + WalkContext.ENTRY_KEYS.get(0);
    ApiResponse answer =
        switch (kind) {
          case DECLARE_MEGA, DECLARE_KEYED ->
              caller.postJson(
                  base + "/artifacts",
                  Descriptors.upload(
                      "mega-cache",
                      descriptor,
                      "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                      4));
          case SEND, SEND_AGAIN -> caller.putBytes(artifact + "/content", "test".getBytes());
          case PUT_ENTRY -> caller.putBytes(entry, "test".getBytes());
          case GET_ENTRY -> caller.get(entry);
          case LOOKUP ->
              caller.postJson(base + "/lookups", Descriptors.lookup("mega-cache", descriptor));
          case DOWNLOAD -> caller.get(artifact + "/content");
          case INVALIDATE, BLOCK, RESEND_INVALIDATION ->
              caller.postJson(
                  base + "/invalidations",
                  "{\"selector\": {\"kind\": \"fx-graph\"}, \"reason\": \"walk\", \"block\": true}");
          case LIFT -> caller.postJson(base + "/invalidations/" + UUID.randomUUID() + "/lift", "");
          case REPORT ->
              caller.postJson(
                  artifact + "/reports", "{\"problem\": \"other\", \"node\": \"forbidden\"}");
          case SETTINGS -> caller.putJson(base, "{}");
          case CLEAR_REPORTS -> caller.delete(artifact + "/reports");
          case RETENTION, PURGE, RECONCILE, EXPIRE, PASS_TIME ->
              caller.postJson(
                  "/v1/housekeeping/jobs/"
                      + kind.name().toLowerCase(java.util.Locale.ROOT)
                      + "/runs",
                  "");
        };
    WalkContext.assertProblem(answer, 403, "forbidden");
    assertThat(answer.header("WWW-Authenticate")).contains("insufficient_scope");
  }
}
