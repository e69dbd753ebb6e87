package dev.pt2cache.walk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.walk.History.Call;
import dev.pt2cache.walk.History.Op;
import java.util.Set;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * Makes a concurrent walk's calls: records each in the {@link History} with when it started and
 * ended and what it was answered, and checks what an answer says by itself (no internal error, no
 * database failure, no answer slower than {@link #BOUND_NS}, a status the contract lists).
 */
final class CallRecorder {

  /**
   * The slowest answer allowed: a request waits for a database connection at most 5 s
   * (PT2CACHE_DB_CONNECTION_WAIT_MS) and for a small store request at most 5 s
   * (PT2CACHE_S3_CONTROL_TIMEOUT); twice their sum for a shared two-core machine.
   */
  static final long BOUND_NS = 20_000_000_000L;

  private final SharedWalk shared;

  CallRecorder(SharedWalk shared) {
    this.shared = shared;
  }

  static String path(String ns, String rest) {
    return "/v1/namespaces/" + ns + rest;
  }

  /** Makes the call, records it with its times and answer, and checks what it says by itself. */
  ApiResponse call(Call call, Function<ApiClient, ApiResponse> request) {
    call.start = System.nanoTime();
    ApiResponse answer;
    try {
      answer = request.apply(shared.instances.get(call.instance));
    } finally {
      call.end = System.nanoTime();
    }
    call.status = answer.status();
    call.text = answer.status() == 200 && call.op == Op.FETCH_HIT ? "" : answer.text();
    if (answer.status() >= 400) {
      call.type = answer.json().path("type").asString("").replace("urn:pt2cache:problem:", "");
    } else if (isJson(answer)) {
      JsonNode json = answer.json();
      JsonNode artifact = json.has("artifact") ? json.get("artifact") : json;
      if (artifact.has("state") && artifact.has("id")) {
        call.answerId = artifact.get("id").asString();
        call.answerState = artifact.get("state").asString();
        call.answerSha = artifact.path("sha256").asString(null);
      }
    }
    shared.history.add(call);
    assertThat(call.status < 500 || call.status == 503)
        .as("no internal error: %s %s", call, call.text)
        .isTrue();
    assertThat(call.type)
        .as("no database failure (a deadlock's victim) reaches a client: %s", call)
        .isNotEqualTo("database-unavailable");
    assertThat(call.end - call.start)
        .as("answered within %d s: %s", BOUND_NS / 1_000_000_000, call)
        .isLessThan(BOUND_NS);
    if (call.answerId != null) {
      shared.remember(shared.ids, new String[] {call.ns, call.answerId});
    }
    return answer;
  }

  private static boolean isJson(ApiResponse answer) {
    String type = answer.header("Content-Type");
    return type != null && type.contains("json");
  }

  static void allowed(Call call, Set<String> answers) {
    String seen = call.status + (call.type == null ? "" : " " + call.type);
    assertThat(answers).as("%s: %s", call, call.text).contains(seen);
  }
}
