package dev.pt2cache.namespace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.support.TaskThreads;
import java.sql.Connection;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * {@code PATCH /v1/namespaces/{ns}} (docs/adr/0051): an operator who changes one setting keeps the
 * others, where a {@code PUT} of that one alone cleared them, and two operators changing two
 * settings at once both see their change land.
 */
class NamespacePatchTest extends ServiceTest {

  /** The tasks the tests run beside their own: in flight together (TaskThreads). */
  @RegisterExtension final TaskThreads threads = new TaskThreads();

  private static final String OPERATOR = "env:PT2CACHE_ADMIN_TOKEN";

  @Autowired DataSource dataSource;

  private final String tenant = "tenant-" + UUID.randomUUID().toString().substring(0, 8);

  @AfterEach
  void dropTokens() {
    jdbc.sql("delete from api_token where name = ?").param(tenant).update();
  }

  @Test
  void shouldChangeOnlyTheMembersGiven() {
    limits("1000000", "30");

    ApiResponse patched = api.mergePatch(path(""), "{\"invalidateAfterReports\": 3}");

    assertThat(patched.status()).as(patched.text()).isEqualTo(200);
    for (JsonNode settings : new JsonNode[] {patched.json(), api.get(path("")).json()}) {
      assertThat(settings.get("invalidateAfterReports").asInt()).isEqualTo(3);
      assertThat(settings.get("quotaBytes").asLong()).isEqualTo(1000000);
      assertThat(settings.get("maxIdleDays").asInt()).isEqualTo(30);
      assertThat(settings.get("updatedBy").asString()).isEqualTo(OPERATOR);
    }
  }

  @Test
  void shouldClearAMemberGivenAsNullAndKeepTheOthers() {
    limits("1000000", "30");

    ApiResponse patched = api.mergePatch(path(""), "{\"quotaBytes\": null, \"maxIdleDays\": 7}");

    assertThat(patched.status()).as(patched.text()).isEqualTo(200);
    JsonNode read = api.get(path("")).json();
    assertThat(read.has("quotaBytes")).as(read.toString()).isFalse();
    assertThat(read.get("maxIdleDays").asInt()).isEqualTo(7);
    assertThat(read.has("invalidateAfterReports")).isFalse();
  }

  /** Whichever member is given as null is the one cleared: each one has its own. */
  @Test
  void shouldClearEachMemberGivenAsNull() {
    String[] members = {"quotaBytes", "maxIdleDays", "invalidateAfterReports"};
    for (String cleared : members) {
      ApiResponse set =
          api.putJson(
              path(""),
              "{\"quotaBytes\": 1000000, \"maxIdleDays\": 30, \"invalidateAfterReports\": 5}");
      assertThat(set.status()).as(set.text()).isEqualTo(200);

      ApiResponse patched = api.mergePatch(path(""), "{\"%s\": null}".formatted(cleared));

      assertThat(patched.status()).as(patched.text()).isEqualTo(200);
      JsonNode read = api.get(path("")).json();
      for (String member : members) {
        assertThat(read.has(member))
            .as("%s given as null: %s", cleared, read)
            .isEqualTo(!member.equals(cleared));
      }
    }
  }

  @Test
  void shouldNotCreateANamespace() {
    String missing = ns + "-missing";

    assertProblem(
        api.mergePatch("/v1/namespaces/" + missing, "{\"maxIdleDays\": 7}"),
        404,
        "namespace-not-found");
    assertProblem(api.get("/v1/namespaces/" + missing), 404, "namespace-not-found");
  }

  /** Each body is refused as a PUT of it is, and the settings stay as they were. */
  @Test
  void shouldRefuseWhatPutRefusesAndChangeNothing() {
    limits("1000000", "30");
    String before = settingsOf(api.get(path("")).json());

    for (String body :
        new String[] {
          "{\"quotaBytes\": -1}",
          "{\"maxIdleDays\": 0}",
          "{\"invalidateAfterReports\": 1001}",
          "{\"maxIdleDays\": \"seven\"}",
          "{\"maxIdleDays\": 7, \"quotaByte\": 5}",
          "{\"maxIdleDays\": 7, \"maxIdleDays\": 8}",
          "{\"name\": \"default\", \"maxIdleDays\": 7}",
          "[]",
          "{\"maxIdleDays\": 7"
        }) {
      ApiResponse put = api.putJson(path(""), body);
      ApiResponse patched = api.mergePatch(path(""), body);
      assertThat(put.status()).as(body + ": " + put.text()).isEqualTo(400);
      assertProblem(patched, 400, problemType(put));
      assertThat(patched.json().get("detail").asString())
          .as(body)
          .isEqualTo(put.json().get("detail").asString());
      assertThat(settingsOf(api.get(path("")).json())).as(body).isEqualTo(before);
    }
  }

  @Test
  void shouldAnswer415ToABodyOfAnotherTypeNamingTheOneItTakes() {
    ApiResponse plain = api.patch(path(""), "{\"maxIdleDays\": 7}", "application/json");

    assertProblem(plain, 415, "unsupported-media-type");
    assertThat(plain.header("Accept-Patch")).isEqualTo("application/merge-patch+json");
    assertThat(api.get(path("")).json().has("maxIdleDays")).isFalse();
  }

  /**
   * A JSON body declared US-ASCII is read as UTF-8 on the way in (a subset of it): refused here for
   * its type, the answer named {@code charset=UTF-8}, a type the client never sent.
   */
  @Test
  void shouldNameTheContentTypeAsSentWhenRefusingIt() {
    ApiResponse ascii =
        api.patch(path(""), "{\"maxIdleDays\": 7}", "application/json; charset=us-ascii");

    assertProblem(ascii, 415, "unsupported-media-type");
    assertThat(ascii.json().get("detail").asString())
        .contains("application/json; charset=us-ascii")
        .doesNotContainIgnoringCase("utf-8");
    assertThat(api.get(path("")).json().has("maxIdleDays")).isFalse();
  }

  /**
   * An admin of this namespace alone changes its other settings, recorded as theirs, but not its
   * quota, which only the operator sets (docs/access.md).
   */
  @Test
  void shouldLetAnAdminOfTheNamespaceChangeAllButTheQuota() {
    limits("1000000", "30");
    ApiResponse made =
        api.postJson(
            "/v1/tokens",
            "{\"name\": \"%s\", \"namespace\": \"%s\", \"role\": \"admin\"}".formatted(tenant, ns));
    assertThat(made.status()).as(made.text()).isEqualTo(201);
    ApiClient asTenant = api.withToken(made.json().get("token").asString());

    ApiResponse idle = asTenant.mergePatch(path(""), "{\"maxIdleDays\": 9}");
    assertThat(idle.status()).as(idle.text()).isEqualTo(200);
    assertThat(idle.json().get("updatedBy").asString()).isEqualTo(tenant);
    assertThat(idle.json().get("updatedById").asString())
        .isEqualTo(made.json().get("id").asString());
    assertThat(asTenant.mergePatch(path(""), "{\"quotaBytes\": 1000000}").status())
        .as("the quota as it stands")
        .isEqualTo(200);

    for (String quota : new String[] {"2000000", "null"}) {
      ApiResponse raised =
          asTenant.mergePatch(
              path(""), "{\"quotaBytes\": %s, \"maxIdleDays\": 1}".formatted(quota));
      assertProblem(raised, 403, "forbidden");
      assertThat(raised.json().get("detail").asString()).contains("1000000");
    }
    JsonNode read = api.get(path("")).json();
    assertThat(read.get("quotaBytes").asLong()).isEqualTo(1000000);
    assertThat(read.get("maxIdleDays").asInt()).isEqualTo(9);
  }

  /**
   * Two operators patch two settings while a third change holds the row: each patch reads the
   * settings once it holds the row, so neither writes the other's member back as it was.
   */
  @Test
  void shouldLandTwoPatchesOfDifferentMembersMadeAtOnce() throws Exception {
    limits("1000000", "30");
    CompletableFuture<ApiResponse> idle;
    CompletableFuture<ApiResponse> reports;
    try (Connection held = dataSource.getConnection()) {
      held.setAutoCommit(false);
      execute(held, "select 1 from namespace where name = ? for no key update", ns);
      idle =
          CompletableFuture.supplyAsync(
              () -> api.mergePatch(path(""), "{\"maxIdleDays\": 9}"), threads);
      reports =
          CompletableFuture.supplyAsync(
              () -> api.mergePatch(path(""), "{\"invalidateAfterReports\": 4}"), threads);
      awaitWaiters(2);
      held.commit();
    }

    assertThat(idle.get().status()).as(idle.get().text()).isEqualTo(200);
    assertThat(reports.get().status()).as(reports.get().text()).isEqualTo(200);
    JsonNode read = api.get(path("")).json();
    assertThat(read.path("maxIdleDays").asInt()).as(read.toString()).isEqualTo(9);
    assertThat(read.path("invalidateAfterReports").asInt()).as(read.toString()).isEqualTo(4);
    assertThat(read.get("quotaBytes").asLong()).isEqualTo(1000000);
  }

  private static String problemType(ApiResponse response) {
    return response.json().get("type").asString().replace("urn:pt2cache:problem:", "");
  }

  private static String settingsOf(JsonNode namespace) {
    return "%s %s %s %s"
        .formatted(
            namespace.path("quotaBytes"),
            namespace.path("maxIdleDays"),
            namespace.path("invalidateAfterReports"),
            namespace.path("updatedAt"));
  }
}
