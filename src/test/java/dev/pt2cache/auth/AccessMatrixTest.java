package dev.pt2cache.auth;

import static dev.pt2cache.auth.Role.ADMIN;
import static dev.pt2cache.auth.Role.READ;
import static dev.pt2cache.auth.Role.WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.artifact.HitRecorder;
import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.ServiceTest;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Every operation of openapi.yaml against every kind of caller, as docs/access.md says (written
 * from it, not from {@link Operations}): the answer, its problem type and challenge, and that a
 * refused call changed nothing in any table, nor stored an object.
 */
class AccessMatrixTest extends ServiceTest {

  private static final String UNKNOWN_TOKEN = "pt2c_" + "A".repeat(43);
  private static final List<String> TABLES =
      List.of(
          "api_token",
          "artifact",
          "artifact_report",
          "blob",
          "eviction",
          "housekeeping_run",
          "invalidation",
          "namespace");

  @Autowired private HitRecorder hits;

  /** Who calls: the columns of the matrix. */
  enum Caller {
    NONE,
    UNKNOWN,
    REVOKED,
    EXPIRED,
    READ_HERE,
    WRITE_HERE,
    ADMIN_HERE,
    ADMIN_ELSEWHERE,
    READ_EVERYWHERE,
    ADMIN_EVERYWHERE,
    OPERATOR
  }

  /**
   * A row: the operation, the role it needs by docs/access.md and whether in every namespace, the
   * statuses that mean it was done, and how to make a valid request of it (fresh for each caller).
   */
  record Operation(
      String id,
      Role needs,
      boolean everywhere,
      Set<Integer> done,
      Function<MatrixFixture, MatrixCall> call) {

    boolean namespaced() {
      return !everywhere || id.endsWith("Namespace(quotaBytes)");
    }

    @Override
    public String toString() {
      return id;
    }
  }

  static Stream<Operation> operations() {
    Set<Integer> ok = Set.of(200);
    Set<Integer> made = Set.of(201);
    return Stream.of(
        new Operation("listNamespaces", READ, true, ok, f -> MatrixCall.get("/v1/namespaces")),
        new Operation("getNamespace", READ, false, ok, f -> MatrixCall.get(f.path(""))),
        new Operation(
            "putNamespace",
            ADMIN,
            false,
            ok,
            f -> MatrixCall.putJson(f.path(""), "{\"maxIdleDays\":7}")),
        // the quota is the operator's (ADR 0020): the same operation, with the quota changed
        new Operation(
            "putNamespace(quotaBytes)",
            ADMIN,
            true,
            ok,
            f -> MatrixCall.putJson(f.path(""), "{\"quotaBytes\":5000}")),
        new Operation(
            "patchNamespace",
            ADMIN,
            false,
            ok,
            f -> MatrixCall.mergePatch(f.path(""), "{\"maxIdleDays\":7}")),
        new Operation(
            "patchNamespace(quotaBytes)",
            ADMIN,
            true,
            ok,
            f -> MatrixCall.mergePatch(f.path(""), "{\"quotaBytes\":5000}")),
        new Operation(
            "lookup",
            READ,
            false,
            ok,
            f ->
                MatrixCall.post(
                    f.path("/lookups"), Descriptors.lookup("mega-cache", f.descriptor()))),
        new Operation("createArtifact", WRITE, false, made, MatrixFixture::declaration),
        new Operation("listArtifacts", READ, false, ok, f -> MatrixCall.get(f.path("/artifacts"))),
        new Operation("getArtifact", READ, false, ok, f -> MatrixCall.get(f.artifact())),
        new Operation("uploadContent", WRITE, false, ok, MatrixFixture::upload),
        new Operation(
            "downloadContent", READ, false, ok, f -> MatrixCall.get(f.artifact() + "/content")),
        new Operation(
            "headContent", READ, false, ok, f -> MatrixCall.head(f.artifact() + "/content")),
        new Operation(
            "invalidate",
            ADMIN,
            false,
            made,
            f -> MatrixCall.post(f.path("/invalidations"), f.invalidation(false))),
        new Operation(
            "listInvalidations", READ, false, ok, f -> MatrixCall.get(f.path("/invalidations"))),
        new Operation("liftRule", ADMIN, false, ok, f -> MatrixCall.post(f.rule() + "/lift", "")),
        new Operation("listEvictions", READ, false, ok, f -> MatrixCall.get(f.path("/evictions"))),
        new Operation(
            "reportArtifact",
            WRITE,
            false,
            made,
            f ->
                MatrixCall.post(
                    f.artifact() + "/reports",
                    "{\"problem\":\"other\",\"detail\":\"matrix\",\"node\":\"n1\"}")),
        new Operation(
            "listReports", READ, false, ok, f -> MatrixCall.get(f.reported() + "/reports")),
        new Operation(
            "clearReports", ADMIN, false, ok, f -> MatrixCall.delete(f.reported() + "/reports")),
        new Operation("getEntry", READ, false, ok, f -> MatrixCall.get(f.entry())),
        new Operation("headEntry", READ, false, ok, f -> MatrixCall.head(f.entry())),
        new Operation(
            "putEntry",
            WRITE,
            false,
            Set.of(200, 201),
            f -> MatrixCall.putBytes(f.path("/entries/fx-graph/k-" + unique()), f.bytes())),
        new Operation("listJobRuns", ADMIN, true, ok, f -> MatrixCall.get("/v1/housekeeping/runs")),
        new Operation(
            "runJob",
            ADMIN,
            true,
            ok,
            f -> MatrixCall.post("/v1/housekeeping/jobs/retention/runs", "")),
        new Operation("listTokens", ADMIN, true, ok, f -> MatrixCall.get("/v1/tokens")),
        new Operation(
            "createToken",
            ADMIN,
            true,
            made,
            f ->
                MatrixCall.post(
                    "/v1/tokens",
                    "{\"name\":\"m-%s\",\"role\":\"read\",\"namespace\":\"%s\"}"
                        .formatted(unique(), f.ns()))),
        new Operation(
            "revokeToken", ADMIN, true, ok, f -> MatrixCall.delete("/v1/tokens/" + f.tokenId())));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("operations")
  void shouldAnswerEveryCallerAsTheReadmeSaysAndChangeNothingWhenRefusing(Operation operation) {
    MatrixFixture fixture = new MatrixFixture(api, ns);
    Map<Caller, ApiClient> callers = callers();
    List<String> mismatches = new ArrayList<>();

    // refusals first, so that each finds what an allowed call may since have changed untouched
    List<Caller> order = new ArrayList<>();
    Stream.of(Caller.values()).filter(c -> !expected(operation, c).isEmpty()).forEach(order::add);
    Stream.of(Caller.values()).filter(c -> expected(operation, c).isEmpty()).forEach(order::add);
    for (Caller caller : order) {
      play(operation, caller.name(), operation.call.apply(fixture), callers.get(caller))
          .check(expected(operation, caller), mismatches);
    }
    if (operation.namespaced()) {
      String unknown = "t-unknown-" + unique();
      MatrixCall call = operation.call.apply(fixture).in(ns, unknown);
      // a token of one namespace learns nothing of another, not even whether it exists
      play(operation, "ADMIN_HERE in an unknown namespace", call, callers.get(Caller.ADMIN_HERE))
          .check(refusal(call.head(), "403 forbidden"), mismatches);
      // where the token holds, the name is looked up: unknown (a PUT would make it)
      for (Caller everywhere : List.of(Caller.ADMIN_EVERYWHERE, Caller.OPERATOR)) {
        if (!operation.id.startsWith("putNamespace")) {
          play(operation, everywhere + " in an unknown namespace", call, callers.get(everywhere))
              .check(refusal(call.head(), "404 namespace-not-found"), mismatches);
        }
      }
    }

    assertThat(mismatches).as(operation.id).isEmpty();
  }

  /** What docs/access.md says this caller gets; empty: the call is done. */
  private static String expected(Operation operation, Caller caller) {
    boolean head = operation.id.startsWith("head");
    return switch (caller) {
      case NONE -> refusal(head, "401 unauthenticated");
      case UNKNOWN, REVOKED, EXPIRED -> refusal(head, "401 unauthenticated invalid_token");
      case OPERATOR, ADMIN_EVERYWHERE -> "";
      case READ_EVERYWHERE -> operation.needs == READ ? "" : refusal(head, "403 forbidden");
      case ADMIN_ELSEWHERE -> refusal(head, "403 forbidden");
      case READ_HERE, WRITE_HERE, ADMIN_HERE -> {
        Role role = caller == Caller.READ_HERE ? READ : caller == Caller.WRITE_HERE ? WRITE : ADMIN;
        yield !operation.everywhere && role.includes(operation.needs)
            ? ""
            : refusal(head, "403 forbidden");
      }
    };
  }

  /**
   * How a refusal reads: status, problem type (no body to a HEAD) and, for 403 and a refused token,
   * the challenge's error code.
   */
  private static String refusal(boolean head, String answer) {
    String withChallenge = answer.equals("403 forbidden") ? answer + " insufficient_scope" : answer;
    if (!head) {
      return withChallenge;
    }
    List<String> words = new ArrayList<>(List.of(withChallenge.split(" ")));
    words.remove(1);
    return String.join(" ", words);
  }

  private Played play(Operation operation, String caller, MatrixCall call, ApiClient client) {
    String before = snapshot(call);
    ApiResponse answer = call.send(client);
    return new Played(operation, caller, answer, before, snapshot(call));
  }

  private record Played(
      Operation operation, String caller, ApiResponse answer, String before, String after) {

    void check(String expected, List<String> mismatches) {
      String cell = operation.id + " by " + caller + ": ";
      if (expected.isEmpty()) {
        if (!operation.done.contains(answer.status())) {
          mismatches.add(cell + "expected done, got " + described() + " " + answer.text());
        }
        return;
      }
      String got = described();
      if (!got.equals(expected)) {
        mismatches.add(cell + "expected " + expected + ", got " + got + " " + answer.text());
      }
      if (!before.equals(after)) {
        mismatches.add(cell + "refused but changed: " + before + " -> " + after);
      }
    }

    /** Status, problem type and challenge error code, as {@link #refusal} spells them. */
    private String described() {
      StringBuilder got = new StringBuilder().append(answer.status());
      String type = answer.header("Content-Type");
      if (type != null && type.contains("problem+json") && answer.body().length > 0) {
        got.append(' ')
            .append(answer.json().get("type").asString().replace("urn:pt2cache:problem:", ""));
      }
      String challenge = answer.header("WWW-Authenticate");
      if (challenge == null && (answer.status() == 401 || answer.status() == 403)) {
        got.append(" no-challenge");
      } else if (challenge != null) {
        Matcher error = Pattern.compile("error=\"([a-z_]+)\"").matcher(challenge);
        if (!challenge.startsWith("Bearer realm=\"pt2cache\"")) {
          got.append(" bad-challenge:").append(challenge);
        } else if (error.find()) {
          got.append(' ').append(error.group(1));
        }
      }
      return got.toString();
    }
  }

  /**
   * Every table an operation may write (the usage a gauge recomputes aside), after the hits held in
   * memory are written, and whether the store holds the bytes the call would store.
   */
  private String snapshot(MatrixCall call) {
    hits.flush();
    StringBuilder state = new StringBuilder();
    for (String table : TABLES) {
      state
          .append(table)
          .append('=')
          .append(
              jdbc.sql(
                      "select count(*) || ':' || coalesce(md5(string_agg(t::text, '|' order by t::text)), '')"
                          + " from "
                          + table
                          + " t")
                  .query(String.class)
                  .single())
          .append(' ');
    }
    if (call.stores() != null) {
      state.append("stored=").append(objectKeys(blobKey(call.stores())).size());
    }
    return state.toString();
  }

  private Map<Caller, ApiClient> callers() {
    String other = "t-" + unique();
    assertThat(api.putJson("/v1/namespaces/" + other, "{}").status()).isEqualTo(201);
    Map<Caller, ApiClient> callers = new EnumMap<>(Caller.class);
    callers.put(Caller.NONE, api.withToken(null));
    callers.put(Caller.UNKNOWN, api.withToken(UNKNOWN_TOKEN));
    ApiResponse revoked = token(ADMIN, null);
    assertThat(api.delete("/v1/tokens/" + revoked.json().get("id").asString()).status())
        .isEqualTo(200);
    callers.put(Caller.REVOKED, api.withToken(revoked.json().get("token").asString()));
    ApiResponse expired = token(ADMIN, null);
    jdbc.sql("update api_token set expires_at = now() - interval '1 second' where id = ?")
        .param(UUID.fromString(expired.json().get("id").asString()))
        .update();
    callers.put(Caller.EXPIRED, api.withToken(expired.json().get("token").asString()));
    callers.put(Caller.READ_HERE, client(READ, ns));
    callers.put(Caller.WRITE_HERE, client(WRITE, ns));
    callers.put(Caller.ADMIN_HERE, client(ADMIN, ns));
    callers.put(Caller.ADMIN_ELSEWHERE, client(ADMIN, other));
    callers.put(Caller.READ_EVERYWHERE, client(READ, null));
    callers.put(Caller.ADMIN_EVERYWHERE, client(ADMIN, null));
    callers.put(Caller.OPERATOR, api);
    return callers;
  }

  private ApiClient client(Role role, String namespace) {
    return api.withToken(token(role, namespace).json().get("token").asString());
  }

  private ApiResponse token(Role role, String namespace) {
    String name = role.wireName() + "-" + unique();
    ApiResponse made =
        api.postJson(
            "/v1/tokens",
            namespace == null
                ? "{\"name\":\"%s\",\"role\":\"%s\"}".formatted(name, role.wireName())
                : "{\"name\":\"%s\",\"role\":\"%s\",\"namespace\":\"%s\"}"
                    .formatted(name, role.wireName(), namespace));
    assertThat(made.status()).as(made.text()).isEqualTo(201);
    return made;
  }

  static String unique() {
    return UUID.randomUUID().toString().substring(0, 12);
  }
}
