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

  /** What a call that the store failed is answered ({@link SharedWalk#storeMayFail}). */
  private static final Set<String> STORE_FAILURES = Set.of("storage-unavailable", "storage-busy");

  private final SharedWalk shared;

  /** Whose token the calls go with: an index into each instance's {@link SharedWalk#callers}. */
  private int as = -1;

  CallRecorder(SharedWalk shared) {
    this.shared = shared;
  }

  /** The calls that follow go with this caller's token (-1: the operator's). */
  void as(int caller) {
    this.as = caller;
  }

  /**
   * A call that the caller's token does not allow, answered {@code 403 forbidden} as it must be: it
   * is recorded, and the step it was part of ends there.
   */
  static final class Refused extends RuntimeException {
    Refused(Call call) {
      super(call.toString(), null, false, false);
    }
  }

  static String path(String ns, String rest) {
    return "/v1/namespaces/" + ns + rest;
  }

  /** Makes the call, records it with its times and answer, and checks what it says by itself. */
  ApiResponse call(Call call, Function<ApiClient, ApiResponse> request) {
    call.caller = as < 0 ? null : shared.callers.get(call.instance).get(as);
    ApiClient client =
        call.caller == null ? shared.instances.get(call.instance) : call.caller.client();
    call.start = System.nanoTime();
    ApiResponse answer;
    try {
      answer = request.apply(client);
    } finally {
      call.end = System.nanoTime();
    }
    call.status = answer.status();
    call.text = answer.status() == 200 && call.op == Op.FETCH_HIT ? "" : answer.text();
    if (answer.status() >= 400 && answer.body().length > 0) {
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
    call.storeFailed =
        shared.storeMayFail && call.status == 503 && STORE_FAILURES.contains(call.type);
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
    refusedIfForbidden(call, answer);
    return answer;
  }

  /**
   * A call the caller's role may not make (docs/access.md) is {@code 403 forbidden} with the
   * insufficient-scope challenge, and ends its step ({@link Refused}); one it may make is not
   * refused so, but for a namespace admin's settings that change the quota, the operator's alone.
   */
  private static void refusedIfForbidden(Call call, ApiResponse answer) {
    if (call.caller == null) {
      return;
    }
    boolean may = Roles.may(call.caller, call.op, call.ns);
    if (!may) {
      assertThat(call.status).as("%s: the role may not, yet %s", call, call.text).isEqualTo(403);
      assertThat(call.type).as("%s", call).isIn("forbidden", null);
      assertThat(answer.header("WWW-Authenticate")).as("%s", call).contains("insufficient_scope");
      throw new Refused(call);
    }
    if (call.status == 403 && call.op == Op.SETTINGS) {
      throw new Refused(call);
    }
  }

  private static boolean isJson(ApiResponse answer) {
    String type = answer.header("Content-Type");
    return type != null && type.contains("json");
  }

  /** The answer is one of these, or one the store's failure gave ({@link Call#storeFailed}). */
  static void allowed(Call call, Set<String> answers) {
    if (call.storeFailed) {
      return;
    }
    String seen = call.status + (call.type == null ? "" : " " + call.type);
    assertThat(answers).as("%s: %s", call, call.text).contains(seen);
  }
}
