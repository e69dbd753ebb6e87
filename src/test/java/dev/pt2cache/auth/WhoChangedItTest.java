package dev.pt2cache.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.JobLocks;
import dev.pt2cache.support.ServiceTest;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;

/**
 * After an incident an operator asks who did it: who retired the artifacts, lifted the rule, set
 * the quota, revoked or made the token, ran the job by hand. The access lines that say which token
 * called rotate away; each change's record in PostgreSQL says it, through the API that shows the
 * change (docs/adr/0049). The operator's token is recorded by its name, {@code
 * env:PT2CACHE_ADMIN_TOKEN} (on the embedded default too), with no id, as it is not stored.
 */
class WhoChangedItTest extends ServiceTest {

  private static final String OPERATOR = "env:PT2CACHE_ADMIN_TOKEN";

  private final String oncall = "oncall-" + UUID.randomUUID().toString().substring(0, 8);
  private String oncallId;
  private String oncallSecret;
  private ApiClient asOncall;

  @BeforeEach
  void oncallToken() {
    ApiResponse made =
        api.postJson("/v1/tokens", "{\"name\": \"%s\", \"role\": \"admin\"}".formatted(oncall));
    assertThat(made.status()).as(made.text()).isEqualTo(201);
    oncallId = made.json().get("id").asString();
    oncallSecret = made.json().get("token").asString();
    asOncall = api.withToken(oncallSecret);
  }

  @AfterEach
  void dropTokens() {
    jdbc.sql("delete from api_token where name like ?").param(oncall + "%").update();
  }

  @Test
  void shouldSayWhichTokenMadeAnInvalidationAndWhichLiftedItsRule() {
    ApiResponse made = blockingRule(asOncall);
    assertThat(made.json().get("madeBy").asString()).isEqualTo(oncall);
    assertThat(made.json().get("madeById").asString()).isEqualTo(oncallId);
    String id = made.json().get("id").asString();

    ApiResponse lifted = api.postJson(path("/invalidations/" + id + "/lift"), "");
    assertThat(lifted.status()).as(lifted.text()).isEqualTo(200);
    assertThat(lifted.json().get("liftedBy").asString()).isEqualTo(OPERATOR);
    assertThat(lifted.json().has("liftedById")).isFalse();

    // read back later, as the operator reads the trail
    JsonNode listed = api.get(path("/invalidations")).json().get("items").get(0);
    assertThat(listed.get("id").asString()).isEqualTo(id);
    assertThat(listed.get("madeBy").asString()).isEqualTo(oncall);
    assertThat(listed.get("madeById").asString()).isEqualTo(oncallId);
    assertThat(listed.get("liftedBy").asString()).isEqualTo(OPERATOR);
    assertThat(listed.toString()).doesNotContain(oncallSecret);
  }

  @Test
  void shouldSayWhichStoredTokenLiftedARule() {
    ApiResponse made = blockingRule(api);
    String id = made.json().get("id").asString();

    ApiResponse lifted = asOncall.postJson(path("/invalidations/" + id + "/lift"), "");
    assertThat(lifted.status()).as(lifted.text()).isEqualTo(200);
    assertThat(lifted.json().get("liftedBy").asString()).isEqualTo(oncall);
    assertThat(lifted.json().get("liftedById").asString()).isEqualTo(oncallId);

    // read back later, as the operator reads the trail: the token's id, to find it when revoking
    JsonNode listed = api.get(path("/invalidations")).json().get("items").get(0);
    assertThat(listed.get("id").asString()).isEqualTo(id);
    assertThat(listed.get("madeBy").asString()).isEqualTo(OPERATOR);
    assertThat(listed.get("liftedBy").asString()).isEqualTo(oncall);
    assertThat(listed.get("liftedById").asString()).isEqualTo(oncallId);
  }

  /** A standing rule made with {@code caller}'s token. */
  private ApiResponse blockingRule(ApiClient caller) {
    ApiResponse made =
        caller.postJson(
            path("/invalidations"),
            "{\"selector\": {\"modelName\": \"resnet50\"}, \"reason\": \"bad build\","
                + " \"block\": true}");
    assertThat(made.status()).as(made.text()).isEqualTo(201);
    return made;
  }

  @Test
  @ExtendWith(OutputCaptureExtension.class)
  void shouldSayWhichTokenRevokedAToken(CapturedOutput output) {
    ApiResponse ci =
        asOncall.postJson(
            "/v1/tokens",
            "{\"name\": \"%s-ci\", \"role\": \"write\", \"namespace\": \"%s\"}"
                .formatted(oncall, ns));
    assertThat(ci.status()).as(ci.text()).isEqualTo(201);
    String ciId = ci.json().get("id").asString();

    ApiResponse revoked = asOncall.delete("/v1/tokens/" + ciId);
    assertThat(revoked.status()).as(revoked.text()).isEqualTo(200);
    assertThat(revoked.json().get("revokedBy").asString()).isEqualTo(oncall);
    assertThat(revoked.json().get("revokedById").asString()).isEqualTo(oncallId);

    // the operator revokes the on-call token itself; a second revocation keeps the first's caller
    assertThat(api.delete("/v1/tokens/" + oncallId).status()).isEqualTo(200);
    api.delete("/v1/tokens/" + ciId);

    JsonNode tokens = api.get("/v1/tokens").json().get("items");
    JsonNode ciListed = byId(tokens, ciId);
    assertThat(ciListed.get("madeBy").asString()).isEqualTo(oncall);
    assertThat(ciListed.get("revokedBy").asString()).isEqualTo(oncall);
    assertThat(ciListed.get("revokedById").asString()).isEqualTo(oncallId);
    JsonNode oncallListed = byId(tokens, oncallId);
    assertThat(oncallListed.get("revokedBy").asString()).isEqualTo(OPERATOR);
    assertThat(oncallListed.has("revokedById")).isFalse();
    assertThat(tokens.toString()).doesNotContain(oncallSecret);
    // the log says it once, when it happened: the second DELETE, the operator's, logged the
    // revocation again, naming the on-call token as if it had revoked it then
    assertThat(
            output
                .getOut()
                .lines()
                .filter(line -> line.contains("token " + oncall + "-ci revoked by ")))
        .singleElement()
        .asString()
        .contains("revoked by " + oncall + "\"");
  }

  @Test
  void shouldSayWhichTokenLastSetANamespacesSettings() {
    // made by the operator before each test
    assertThat(api.get(path("")).json().get("updatedBy").asString()).isEqualTo(OPERATOR);

    ApiResponse set = asOncall.putJson(path(""), "{\"quotaBytes\": 0}");
    assertThat(set.status()).as(set.text()).isEqualTo(200);
    assertThat(set.json().get("updatedBy").asString()).isEqualTo(oncall);

    JsonNode read = api.get(path("")).json();
    assertThat(read.get("quotaBytes").asLong()).isZero();
    assertThat(read.get("updatedBy").asString()).isEqualTo(oncall);
    assertThat(read.get("updatedById").asString()).isEqualTo(oncallId);
  }

  /**
   * A deployment tool that applies its configuration every few minutes sends a namespace's settings
   * again as they stand, and a merge patch may give nothing new: who last changed them, and when,
   * stay the change's, so that after an incident the quota's setter is still named. Before, each
   * such call took {@code updatedBy} and {@code updatedAt} over.
   */
  @Test
  void shouldKeepWhoLastChangedANamespacesSettingsWhenACallChangesNothing() {
    ApiResponse changed = api.putJson(path(""), "{\"quotaBytes\": 5000000, \"maxIdleDays\": 9}");
    assertThat(changed.status()).as(changed.text()).isEqualTo(200);
    JsonNode before = api.get(path("")).json();
    assertThat(before.get("updatedBy").asString()).isEqualTo(OPERATOR);

    ApiResponse again = asOncall.putJson(path(""), "{\"quotaBytes\": 5000000, \"maxIdleDays\": 9}");
    ApiResponse empty = asOncall.mergePatch(path(""), "{}");
    ApiResponse same = asOncall.mergePatch(path(""), "{\"maxIdleDays\": 9}");
    for (ApiResponse call : List.of(again, empty, same)) {
      assertThat(call.status()).as(call.text()).isEqualTo(200);
      assertThat(call.json().get("updatedBy").asString()).as(call.text()).isEqualTo(OPERATOR);
      assertThat(call.json().get("updatedAt")).as(call.text()).isEqualTo(before.get("updatedAt"));
    }
    JsonNode read = api.get(path("")).json();
    assertThat(read.get("updatedBy").asString()).isEqualTo(OPERATOR);
    assertThat(read.get("updatedAt")).isEqualTo(before.get("updatedAt"));

    ApiResponse idle = asOncall.mergePatch(path(""), "{\"maxIdleDays\": 10}");
    assertThat(idle.status()).as(idle.text()).isEqualTo(200);
    assertThat(idle.json().get("updatedBy").asString()).isEqualTo(oncall);
    assertThat(idle.json().get("updatedById").asString()).isEqualTo(oncallId);
    assertThat(Instant.parse(idle.json().get("updatedAt").asString()))
        .isAfter(Instant.parse(before.get("updatedAt").asString()));
  }

  @Test
  void shouldSayWhichTokenRanAHousekeepingJobByHand() {
    ApiResponse run = JobLocks.run(asOncall, "retention");
    assertThat(run.status()).as(run.text()).isEqualTo(200);
    assertThat(run.json().get("startedBy").asString()).isEqualTo(oncall);
    assertThat(run.json().get("startedById").asString()).isEqualTo(oncallId);
    String id = run.json().get("id").asString();

    JsonNode runs = api.get("/v1/housekeeping/runs?job=retention&limit=500").json().get("items");
    JsonNode listed = byId(runs, id);
    assertThat(listed.get("startedBy").asString()).isEqualTo(oncall);
    assertThat(listed.get("startedById").asString()).isEqualTo(oncallId);
  }

  /**
   * An invalidation a report made names the reporter whose report reached the namespace's
   * threshold: the request that made it.
   */
  @Test
  void shouldNameTheReporterWhoseReportRetiredAnArtifact() {
    assertThat(api.putJson(path(""), "{\"invalidateAfterReports\": 1}").status()).isEqualTo(200);
    String id =
        uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), Fixtures.randomBytes(100))
            .json()
            .get("id")
            .asString();

    ApiResponse reported =
        asOncall.postJson(
            path("/artifacts/" + id + "/reports"),
            "{\"problem\": \"load-failed\", \"node\": \"n1\"}");
    assertThat(reported.status()).as(reported.text()).isEqualTo(201);

    JsonNode listed = api.get(path("/invalidations")).json().get("items").get(0);
    assertThat(listed.get("reason").asString()).contains("reported as failing");
    assertThat(listed.get("madeBy").asString()).isEqualTo(oncall);
    assertThat(listed.get("madeById").asString()).isEqualTo(oncallId);
  }

  /** Rows written before the service kept the caller show none, rather than a guess. */
  @Test
  void shouldShowNoCallerOnAnInvalidationRecordedBeforeCallersWereKept() {
    String id = UUID.randomUUID().toString();
    jdbc.sql(
            """
            insert into invalidation (id, namespace, selector, reason, created_at)
            values (?::uuid, ?, '{"modelName": "old"}', 'before', now())
            """)
        .params(id, ns)
        .update();

    JsonNode listed = api.get(path("/invalidations")).json().get("items").get(0);
    assertThat(listed.get("id").asString()).isEqualTo(id);
    assertThat(listed.has("madeBy")).isFalse();
    assertThat(listed.has("madeById")).isFalse();
    assertThat(listed.has("liftedBy")).isFalse();
  }

  private static JsonNode byId(JsonNode items, String id) {
    for (JsonNode item : items) {
      if (item.get("id").asString().equals(id)) {
        return item;
      }
    }
    throw new AssertionError("no " + id + " in " + items);
  }
}
