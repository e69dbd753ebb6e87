package dev.pt2cache.invalidation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.support.TaskThreads;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * An invalidation sent again with its Idempotency-Key is the invalidation it recorded, not a second
 * one (ADR 0029, "Sent again"): the call is cut often (a blocking one runs for minutes), and the
 * Python client, like an operator, sends it again.
 */
class IdempotentInvalidationTest extends ServiceTest {

  /** The tasks the tests run beside their own: in flight together (TaskThreads). */
  @RegisterExtension final TaskThreads threads = new TaskThreads();

  static final String GPU = "NVIDIA H100 80GB HBM3";

  final String model = Descriptors.uniqueModel();

  @Autowired DataSource dataSource;

  String body(String reason, boolean block) {
    return "{\"selector\": {\"modelName\": \"%s\"}, \"reason\": \"%s\", \"block\": %s}"
        .formatted(model, reason, block);
  }

  ApiResponse invalidate(String body, String key) {
    return api.postJson(path("/invalidations"), body, "Idempotency-Key", key);
  }

  /** Uploads n artifacts of the test's model; answers their ids. */
  List<String> upload(int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String descriptor = Descriptors.of(model, "v" + UUID.randomUUID(), "2.11.0+cu130", GPU);
      ids.add(uploadMegaCache(descriptor, Fixtures.randomBytes(300)).json().get("id").asString());
    }
    return ids;
  }

  long records(String namespace) {
    return jdbc.sql("select count(*) from invalidation where namespace = ?")
        .param(namespace)
        .query(Long.class)
        .single();
  }

  static String key() {
    return "\"" + UUID.randomUUID() + "\"";
  }

  @Test
  void shouldAnswerTheSameKeyTwiceWithTheOneRecordItMade() {
    List<String> artifacts = upload(2);
    String key = key();
    ApiResponse first = invalidate(body("retrained", false), key);
    assertThat(first.status()).as(first.text()).isEqualTo(201);
    assertThat(first.json().get("invalidated").asLong()).isEqualTo(2);

    // the same request, its JSON spelled otherwise, and the key bare rather than quoted
    String respelled =
        "{\"block\": false, \"reason\": \"retrained\", \"selector\": {\"modelName\": \"%s\"}}"
            .formatted(model);
    for (ApiResponse again :
        List.of(
            invalidate(body("retrained", false), key),
            invalidate(respelled, key.replace("\"", "")))) {
      assertThat(again.status()).as(again.text()).isEqualTo(200);
      assertThat(again.json().get("id").asString()).isEqualTo(first.json().get("id").asString());
      assertThat(again.json().get("invalidated").asLong()).isEqualTo(2);
    }
    assertThat(records(ns)).isEqualTo(1);
    assertThat(artifacts).allSatisfy(id -> assertThat(stateOf(id)).contains("INVALIDATED"));
  }

  /**
   * A blocking invalidation cut mid-way (client timeout, SIGTERM, a 503 after its rule committed)
   * leaves its rule in force and part of its matches ready: played here by putting two of its
   * retirements back as they were before their batch, as a cut before that batch leaves them. Its
   * resend retires them under the same rule, and counts them on the same record.
   */
  @Test
  void shouldFinishTheRetirementOfACutBlockingInvalidationUnderItsOwnRule() {
    List<String> artifacts = upload(3);
    String key = key();
    ApiResponse first = invalidate(body("miscompiles", true), key);
    assertThat(first.status()).as(first.text()).isEqualTo(201);
    String rule = first.json().get("id").asString();
    List<String> left = artifacts.subList(1, 3);
    for (String id : left) {
      jdbc.sql(
              "update artifact set state = 'READY', invalidation_id = null, invalidated_at = null"
                  + " where id = ?::uuid")
          .param(id)
          .update();
    }
    jdbc.sql("update invalidation set invalidated_count = 1 where id = ?::uuid")
        .param(rule)
        .update();

    ApiResponse again = invalidate(body("miscompiles", true), key);

    assertThat(again.status()).as(again.text()).isEqualTo(200);
    assertThat(again.json().get("id").asString()).isEqualTo(rule);
    assertThat(again.json().get("invalidated").asLong()).isEqualTo(3);
    assertThat(again.json().get("active").asBoolean()).isTrue();
    assertThat(records(ns)).isEqualTo(1);
    for (String id : left) {
      assertThat(stateOf(id)).contains("INVALIDATED");
      assertThat(
              jdbc.sql("select invalidation_id::text from artifact where id = ?::uuid")
                  .param(id)
                  .query(String.class)
                  .single())
          .isEqualTo(rule);
    }
  }

  /** A lifted rule's resend retires nothing: what matches it since is no longer its to refuse. */
  @Test
  void shouldRetireNothingForTheResendOfALiftedRule() {
    List<String> artifacts = upload(1);
    String key = key();
    String rule = invalidate(body("miscompiles", true), key).json().get("id").asString();
    assertThat(api.postJson(path("/invalidations/" + rule + "/lift"), "").status()).isEqualTo(200);
    jdbc.sql("update artifact set state = 'READY', invalidation_id = null where id = ?::uuid")
        .param(artifacts.get(0))
        .update();

    ApiResponse again = invalidate(body("miscompiles", true), key);

    assertThat(again.status()).as(again.text()).isEqualTo(200);
    assertThat(again.json().get("active").asBoolean()).isFalse();
    assertThat(stateOf(artifacts.get(0))).contains("READY");
  }

  @Test
  void shouldRefuseTheKeyWithAnotherRequestAndChangeNothing() {
    String key = key();
    ApiResponse first = invalidate(body("retrained", false), key);
    assertThat(first.status()).as(first.text()).isEqualTo(201);
    List<String> later = upload(1);

    for (String other : List.of(body("retrained twice", false), body("retrained", true))) {
      ApiResponse refused = invalidate(other, key);
      assertProblem(refused, 422, "idempotency-key-reused");
      assertThat(refused.json().get("detail").asString())
          .contains(first.json().get("id").asString());
    }
    assertThat(records(ns)).isEqualTo(1);
    assertThat(stateOf(later.get(0))).contains("READY");
    // no rule was made: matching uploads go on
    assertThat(upload(1)).hasSize(1);
  }

  @Test
  void shouldKeepAKeyToItsNamespace() {
    String key = key();
    String first = invalidate(body("retrained", false), key).json().get("id").asString();
    String other = "t-" + UUID.randomUUID().toString().substring(0, 12);
    assertThat(api.putJson("/v1/namespaces/" + other, "{}").status()).isEqualTo(201);
    String mine = ns;
    ns = other;

    ApiResponse there = invalidate(body("retrained", false), key);

    assertThat(there.status()).as(there.text()).isEqualTo(201);
    assertThat(there.json().get("id").asString()).isNotEqualTo(first);
    assertThat(records(other)).isEqualTo(1);
    assertThat(records(mine)).isEqualTo(1);
  }

  @Test
  void shouldRefuseAMalformedKeyAndRecordNothing() {
    for (String bad : List.of("\"\"", "a b", "\"open", "back\\slash", "x".repeat(201))) {
      assertProblem(invalidate(body("retrained", false), bad), 400, "invalid-request");
    }
    assertThat(records(ns)).isZero();
  }

  /**
   * Two requests with one key at once: the first holds its record uncommitted while its retirement
   * waits for a row held here, and the second arrives meanwhile. One records; the other waits for
   * it and answers its record.
   */
  @Test
  void shouldRecordOnceForTwoRequestsWithOneKeyAtOnce() throws Exception {
    String held = upload(1).get(0);
    String key = key();
    CompletableFuture<ApiResponse> first;
    CompletableFuture<ApiResponse> second;
    try (Connection lock = dataSource.getConnection()) {
      lock.setAutoCommit(false);
      execute(lock, "select 1 from artifact where id = ?::uuid for update", held);
      first =
          CompletableFuture.supplyAsync(() -> invalidate(body("retrained", false), key), threads);
      awaitWaiters(1);
      second =
          CompletableFuture.supplyAsync(() -> invalidate(body("retrained", false), key), threads);
      awaitWaiters(2);
      lock.rollback();
    }
    ApiResponse one = first.get(30, TimeUnit.SECONDS);
    ApiResponse two = second.get(30, TimeUnit.SECONDS);

    assertThat(List.of(one.status(), two.status())).containsExactlyInAnyOrder(201, 200);
    JsonNode a = one.json();
    JsonNode b = two.json();
    assertThat(a.get("id").asString()).isEqualTo(b.get("id").asString());
    assertThat(records(ns)).isEqualTo(1);
    assertThat(stateOf(held)).contains("INVALIDATED");
  }
}
