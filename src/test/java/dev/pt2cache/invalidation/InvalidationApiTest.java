package dev.pt2cache.invalidation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.system.PageCursor;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class InvalidationApiTest extends ServiceTest {

  final String model = Descriptors.uniqueModel();
  final String v1 = Descriptors.of(model, "1", "2.11.0+cu130", "NVIDIA H100 80GB HBM3");
  final String v2 = Descriptors.of(model, "2", "2.11.0+cu130", "NVIDIA H100 80GB HBM3");
  final String v2OldTorch = Descriptors.of(model, "2", "2.10.0+cu128", "NVIDIA H100 80GB HBM3");

  @Test
  void shouldRetireEveryArtifactOfAModelVersionAtOnce() {
    JsonNode first = uploadMegaCache(v1, Fixtures.randomBytes(100)).json();
    uploadMegaCache(v2, Fixtures.randomBytes(100));

    JsonNode done = invalidate("{\"modelName\": \"" + model + "\", \"modelVersion\": \"1\"}");
    assertThat(done.get("invalidated").asLong()).isEqualTo(1);

    assertThat(hit(v1)).isFalse();
    assertThat(hit(v2)).isTrue();
    JsonNode retired = api.get(path("/artifacts/" + first.get("id").asString())).json();
    assertThat(retired.get("state").asString()).isEqualTo("invalidated");
    assertThat(retired.get("invalidationId").asString()).isEqualTo(done.get("id").asString());
    assertProblem(
        api.get(path("/artifacts/" + first.get("id").asString() + "/content")), 410, "invalidated");
  }

  /**
   * A node that downloads what an operator retired hears that it was invalidated, not the words for
   * content the service itself found damaged and retired (docs/adr/0028): those tell the operator
   * to look at storage, and the operator's reason is no storage finding.
   */
  @Test
  void shouldTellADownloadOfWhatAnOperatorRetiredThatItWasInvalidated() {
    JsonNode first = uploadMegaCache(v1, Fixtures.randomBytes(100)).json();
    String id = first.get("id").asString();
    invalidate("{\"modelName\": \"" + model + "\", \"modelVersion\": \"1\"}");

    ApiResponse download = api.get(path("/artifacts/" + id + "/content"));
    assertProblem(download, 410, "invalidated");
    assertThat(download.json().get("detail").asString())
        .isEqualTo("artifact " + id + " was invalidated and is no longer served");
  }

  @Test
  void shouldRetireBySoftwareVersionAfterATorchUpgrade() {
    uploadMegaCache(v2, Fixtures.randomBytes(100));
    uploadMegaCache(v2OldTorch, Fixtures.randomBytes(100));

    assertThat(invalidate("{\"torch\": \"2.10.0+cu128\"}").get("invalidated").asLong())
        .isEqualTo(1);
    assertThat(hit(v2OldTorch)).isFalse();
    assertThat(hit(v2)).isTrue();
  }

  @Test
  void shouldRetireByHardwareTagAndByIds() {
    JsonNode a = uploadMegaCache(v1, Fixtures.randomBytes(100)).json();
    JsonNode b = uploadMegaCache(v2, Fixtures.randomBytes(100)).json();

    assertThat(invalidate("{\"tags\": {\"driver\": \"999\"}}").get("invalidated").asLong())
        .isZero();
    assertThat(
            invalidate("{\"artifactIds\": [\"" + a.get("id").asString() + "\"]}")
                .get("invalidated")
                .asLong())
        .isEqualTo(1);
    assertThat(invalidate("{\"tags\": {\"driver\": \"580.65\"}}").get("invalidated").asLong())
        .isEqualTo(1);
    assertThat(api.get(path("/artifacts/" + b.get("id").asString())).json().get("state").asString())
        .isEqualTo("invalidated");
  }

  /**
   * Each member narrows what is retired: a member the query dropped would leave the others, or
   * none, to select, and {@code {"cuda": "12.8"}} would retire the whole namespace. A value that no
   * artifact has retires nothing, whichever member carries it.
   */
  @Test
  void shouldRetireNothingByAMemberNoArtifactMatches() {
    uploadMegaCache(v1, Fixtures.randomBytes(100));
    String key = api.get(path("/artifacts")).json().get("items").get(0).get("key").asString();

    for (String member :
        List.of(
            "\"artifactIds\": [\"" + UUID.randomUUID() + "\"]",
            "\"kind\": \"inductor-dir\"",
            "\"key\": \"" + key + "0\"",
            "\"sha256\": \"" + "0".repeat(64) + "\"",
            "\"modelName\": \"" + model + "-other\"",
            "\"modelVersion\": \"9\"",
            "\"torch\": \"2.9.0\"",
            "\"triton\": \"3.5.0\"",
            "\"cuda\": \"12.8\"",
            "\"gpu\": \"NVIDIA L4\"",
            "\"capability\": \"8.9\"",
            "\"tags\": {\"driver\": \"570.10\"}")) {
      assertThat(invalidate("{" + member + "}").get("invalidated").asLong()).as(member).isZero();
    }
    assertThat(hit(v1)).isTrue();
  }

  /**
   * A release engineer who retires or blocks "torch 2.11" means every 2.11 build, but nodes
   * describe themselves by {@code torch.__version__}, {@code 2.11.0+cu130}: the service compares
   * each member exactly (docs/api.md, ADR 0045), so a shortened version selects nothing, now or
   * later, and a blocking rule by it refuses none of that build's uploads. The listing's filter
   * answers the same, so what it shows is what an invalidation by the same values retires.
   */
  @Test
  void shouldMatchVersionsExactlyNeverByPrefix() {
    uploadMegaCache(v1, Fixtures.randomBytes(100));
    String byModel = "\"modelName\": \"" + model + "\", ";

    for (String shortened :
        List.of("\"torch\": \"2.11\"", "\"torch\": \"2.11.0\"", "\"gpu\": \"NVIDIA H100\"")) {
      assertThat(invalidate("{" + byModel + shortened + "}").get("invalidated").asLong())
          .as(shortened)
          .isZero();
    }
    assertThat(api.get(path("/artifacts?torch=2.11")).json().get("items").size()).isZero();
    assertThat(hit(v1)).isTrue();

    ApiResponse rule =
        api.postJson(
            path("/invalidations"),
            "{\"selector\": {"
                + byModel
                + "\"torch\": \"2.11\"}, \"reason\": \"t\","
                + " \"block\": true}");
    assertThat(rule.status()).as(rule.text()).isEqualTo(201);
    assertThat(rule.json().get("invalidated").asLong()).isZero();
    assertThat(rule.json().get("active").asBoolean()).isTrue();
    // the rule is in force, and refuses nothing that 2.11.0+cu130 compiled
    assertThat(uploadMegaCache(v2, Fixtures.randomBytes(100)).status()).isIn(200, 201);
    assertThat(hit(v1)).isTrue();
    assertThat(hit(v2)).isTrue();

    assertThat(
            invalidate("{" + byModel + "\"torch\": \"2.11.0+cu130\"}").get("invalidated").asLong())
        .isEqualTo(2);
  }

  @Test
  void shouldLetAFreshUploadTakeTheKeyAgain() {
    uploadMegaCache(v1, Fixtures.randomBytes(100));
    invalidate("{\"modelName\": \"" + model + "\"}");

    byte[] rebuilt = Fixtures.randomBytes(100);
    uploadMegaCache(v1, rebuilt);
    assertThat(hit(v1)).isTrue();
  }

  @Test
  void shouldKeepAnAuditTrail() {
    invalidate("{\"modelName\": \"" + model + "\"}");
    ApiResponse trail = api.get(path("/invalidations"));
    JsonNode last = trail.json().get("items").get(0);
    assertThat(last.get("reason").asString()).isEqualTo("test");
    assertThat(last.get("selector").get("modelName").asString()).isEqualTo(model);
  }

  @Test
  void shouldPageThroughTheTrailOnceNewestFirstWithTiesBrokenById() {
    List<String> made = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      made.add(invalidate("{\"modelName\": \"" + model + "-" + i + "\"}").get("id").asString());
    }
    // the middle three in one instant, so that a page ends among them
    jdbc.sql(
            """
            update invalidation set created_at = (select created_at from invalidation where id = ?::uuid)
             where id in (?::uuid, ?::uuid)
            """)
        .params(made.get(2), made.get(1), made.get(3))
        .update();

    assertPagedNewestFirstWithTiesById(
        pages("/invalidations", 2, "id"),
        made.get(4),
        made.subList(1, 4),
        made.get(0),
        jdbc.sql(
                "select id::text from invalidation where namespace = ?"
                    + " order by created_at desc, id desc")
            .param(ns)
            .query(String.class)
            .list());
  }

  @Test
  void shouldAnswerAFullLastPageOfTheTrailWithoutACursor() {
    invalidate("{\"modelName\": \"" + model + "\"}");
    invalidate("{\"modelName\": \"" + model + "-2\"}");
    JsonNode page = api.get(path("/invalidations?limit=2")).json();
    assertThat(page.get("items").size()).isEqualTo(2);
    assertThat(page.has("nextCursor")).isFalse();
  }

  @Test
  void shouldRefuseACursorItDidNotIssue() {
    ApiResponse malformed = api.get(path("/invalidations?cursor=bm90LWEtY3Vyc29y"));
    assertProblem(malformed, 400, "invalid-request");
    assertThat(malformed.json().get("detail").asString()).contains("not issued by this service");
    // an eviction's cursor names its record by a number, never an invalidation's UUID
    String evictions = new PageCursor<>(Instant.EPOCH, 42L).encode();
    assertProblem(api.get(path("/invalidations?cursor=" + evictions)), 400, "invalid-request");
  }

  @Test
  void shouldRefuseAnEmptySelector() {
    uploadMegaCache(v1, Fixtures.randomBytes(100));
    assertProblem(
        api.postJson(path("/invalidations"), "{\"selector\": {}, \"reason\": \"oops\"}"),
        400,
        "empty-selector");
    assertThat(hit(v1)).isTrue();
    assertThat(api.get(path("/invalidations")).json().get("items").isEmpty()).isTrue();
  }

  @Test
  void shouldTreatANullTagAsAbsentAndRefuseANullIdSoNoRuleBlocksEverything() {
    uploadMegaCache(v1, Fixtures.randomBytes(100));

    assertProblem(
        api.postJson(
            path("/invalidations"),
            "{\"selector\": {\"tags\": {\"x\": null}}, \"reason\": \"typo\", \"block\": true}"),
        400,
        "empty-selector");
    ApiResponse nullId =
        api.postJson(
            path("/invalidations"),
            "{\"selector\": {\"artifactIds\": [null]}, \"reason\": \"typo\", \"block\": true}");
    assertProblem(nullId, 400, "invalid-request");
    assertThat(nullId.json().get("detail").asString()).contains("artifactIds");
    // an empty id list (a listing that came back empty) would select by the other members alone
    ApiResponse noIds =
        api.postJson(
            path("/invalidations"),
            "{\"selector\": {\"artifactIds\": [], \"kind\": \"mega-cache\"}, \"reason\": \"r\","
                + " \"block\": true}");
    assertProblem(noIds, 400, "invalid-request");
    assertThat(noIds.json().get("detail").asString()).contains("artifactIds");
    // a member left null (an unset variable) would select every model on that torch
    for (String member : new String[] {"modelName", "modelVersion", "gpu", "tags", "artifactIds"}) {
      ApiResponse nullMember =
          api.postJson(
              path("/invalidations"),
              "{\"selector\": {\"%s\": null, \"torch\": \"%s\"}, \"reason\": \"r\", \"block\": true}"
                  .formatted(member, "2.11.0+cu130"));
      assertProblem(nullMember, 400, "malformed-request");
      assertThat(nullMember.json().get("detail").asString()).contains(member);
    }

    assertThat(hit(v1)).isTrue();
    assertThat(api.get(path("/invalidations")).json().get("items").isEmpty()).isTrue();
    assertThat(uploadMegaCache(v2, Fixtures.randomBytes(100)).status()).isIn(200, 201);

    ApiResponse named =
        api.postJson(
            path("/invalidations"),
            "{\"selector\": {\"modelName\": \"%s\", \"tags\": {\"x\": null}}, \"reason\": \"r\"}"
                .formatted(model));
    assertThat(named.status()).as(named.text()).isEqualTo(201);
    assertThat(named.json().get("selector").has("tags")).isFalse();
    assertThat(named.json().get("invalidated").asLong()).isEqualTo(2);
  }

  /** Migration V8, run again over rules stored the way the old check let them through. */
  @Test
  void shouldLiftOnlyTheStoredRulesThatSelectEverything() throws Exception {
    UUID empty = storedRule("{}");
    UUID nullId = storedRule("{\"artifactIds\": [null]}");
    UUID named = storedRule("{\"modelName\": \"%s\", \"artifactIds\": [null]}".formatted(model));
    String migration =
        new String(
            getClass()
                .getResourceAsStream("/db/migration/V8__lift_rules_that_select_everything.sql")
                .readAllBytes(),
            StandardCharsets.UTF_8);

    jdbc.sql(migration).update();

    assertThat(lifted(empty)).isTrue();
    assertThat(lifted(nullId)).isTrue();
    assertThat(lifted(named))
        .as("a rule that also names a model is left to its operator")
        .isFalse();
    JsonNode listed = api.get(path("/invalidations")).json().get("items");
    assertThat(listed).hasSize(3);
    assertThat(declareMegaCache(v1, Fixtures.randomBytes(100)).status())
        .as("a null id names no artifact, and an upload is none of the ids")
        .isEqualTo(201);
    assertThat(
            declareMegaCache(Descriptors.of(Descriptors.uniqueModel()), Fixtures.randomBytes(100))
                .status())
        .isEqualTo(201);
  }

  private UUID storedRule(String selector) {
    UUID id = UUID.randomUUID();
    jdbc.sql(
            "insert into invalidation (id, namespace, selector, reason, blocking)"
                + " values (?, ?, cast(? as jsonb), 'typo', true)")
        .params(id, ns, selector)
        .update();
    return id;
  }

  private boolean lifted(UUID id) {
    return jdbc.sql("select lifted_at is not null from invalidation where id = ?")
        .param(id)
        .query(Boolean.class)
        .single();
  }

  @Test
  void shouldAnswer404ForAnUnknownNamespace() {
    assertProblem(
        api.postJson(
            "/v1/namespaces/" + ns + "-none/invalidations",
            "{\"selector\": {\"modelName\": \"x\"}, \"reason\": \"r\"}"),
        404,
        "namespace-not-found");
  }

  private JsonNode invalidate(String selector) {
    ApiResponse response =
        api.postJson(
            path("/invalidations"), "{\"selector\": " + selector + ", \"reason\": \"test\"}");
    assertThat(response.status()).as(response.text()).isEqualTo(201);
    return response.json();
  }

  private boolean hit(String descriptor) {
    return api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", descriptor))
        .json()
        .get("hit")
        .asBoolean();
  }
}
