package dev.pt2cache.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.system.Sha256;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Bearer tokens in front of every API call: who may read, write or administer which namespace, what
 * a caller without a token or with too little is told, and that a refused call changes nothing.
 */
class AccessControlTest extends ServiceTest {

  static final byte[] CONTENT = "compiled kernels".getBytes();

  @Test
  void shouldAnswer401WithABearerChallengeWhenNoTokenComes() {
    ApiClient anonymous = api.withToken(null);

    ApiResponse declared =
        anonymous.postJson(
            path("/artifacts"), Descriptors.upload("mega-cache", descriptor(), sha(), 16));

    assertThat(declared.status()).isEqualTo(401);
    assertThat(declared.json().get("type").asString()).isEqualTo(type("unauthenticated"));
    assertThat(declared.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"pt2cache\"");
    assertThat(api.get(path("/artifacts")).json().get("items")).isEmpty();
  }

  @Test
  void shouldRefuseAnUnknownTokenAsInvalidAndAnotherSchemeAsNoToken() {
    String wellFormed = "pt2c_" + "A".repeat(43);
    ApiResponse unknown = api.withToken(wellFormed).get(path(""));
    ApiResponse malformed = api.withToken("no-such-token").get(path(""));
    ApiResponse basic = api.withToken(null).get(path(""), "Authorization", "Basic YTpi");

    for (ApiResponse refused : new ApiResponse[] {unknown, malformed, basic}) {
      assertThat(refused.status()).isEqualTo(401);
      assertThat(refused.json().get("type").asString()).isEqualTo(type("unauthenticated"));
    }
    assertThat(unknown.header("WWW-Authenticate")).contains("error=\"invalid_token\"");
    assertThat(malformed.header("WWW-Authenticate")).contains("error=\"invalid_token\"");
    assertThat(basic.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"pt2cache\"");
  }

  @Test
  void shouldRefuseARequestWithTwoAuthorizationHeadersWhicheverComesFirst() {
    String admin = "Bearer " + EmbeddedInfra.ADMIN_TOKEN;
    String unknown = "Bearer pt2c_" + "A".repeat(43);
    String declaration = Descriptors.upload("mega-cache", descriptor(), sha(), 16);

    ApiResponse validFirst =
        api.withToken(null)
            .postJson(
                path("/artifacts"), declaration, "Authorization", admin, "Authorization", unknown);
    ApiResponse validSecond =
        api.withToken(null)
            .postJson(
                path("/artifacts"), declaration, "Authorization", unknown, "Authorization", admin);

    for (ApiResponse refused : new ApiResponse[] {validFirst, validSecond}) {
      assertThat(refused.status()).as(refused.text()).isEqualTo(400);
      assertThat(refused.json().get("type").asString()).isEqualTo(type("invalid-request"));
      assertThat(refused.json().get("detail").asString()).contains("one Authorization header");
    }
    assertThat(api.get(path("/artifacts")).json().get("items")).as("nothing declared").isEmpty();
  }

  @Test
  void shouldLetAReadTokenLookUpAndDownloadButNotUpload() {
    String id = uploadMegaCache(descriptor(), CONTENT).json().get("id").asString();
    ApiClient reader = api.withToken(token("read", ns));

    ApiResponse lookup =
        reader.postJson(path("/lookups"), Descriptors.lookup("mega-cache", descriptor()));
    assertThat(lookup.status()).isEqualTo(200);
    assertThat(lookup.json().get("hit").asBoolean()).isTrue();
    assertThat(reader.get(path("/artifacts/" + id + "/content")).body()).isEqualTo(CONTENT);

    ApiResponse upload =
        reader.postJson(
            path("/artifacts"),
            Descriptors.upload("mega-cache", Descriptors.of(Descriptors.uniqueModel()), sha(), 16));
    assertThat(upload.status()).isEqualTo(403);
    assertThat(upload.json().get("type").asString()).isEqualTo(type("forbidden"));
    assertThat(upload.header("WWW-Authenticate")).contains("error=\"insufficient_scope\"");
    assertThat(upload.json().get("detail").asString())
        .contains("read in namespace " + ns)
        .contains("needs write in namespace " + ns);
    assertThat(api.get(path("/artifacts")).json().get("items")).hasSize(1);
  }

  @Test
  void shouldKeepATokenToItsOwnNamespace() {
    String other = "t-" + UUID.randomUUID().toString().substring(0, 12);
    assertThat(api.putJson("/v1/namespaces/" + other, "{}").status()).isEqualTo(201);
    ApiClient writer = api.withToken(token("write", ns));

    assertThat(writer.get("/v1/namespaces/" + other).status()).isEqualTo(403);
    assertThat(
            writer.putBytes("/v1/namespaces/" + other + "/entries/fx-graph/k1", CONTENT).status())
        .isEqualTo(403);
    assertThat(writer.get("/v1/namespaces").status()).isEqualTo(403);
    assertThat(api.head("/v1/namespaces/" + other + "/entries/fx-graph/k1").status())
        .isEqualTo(404);

    assertThat(writer.putBytes(path("/entries/fx-graph/k1"), CONTENT).status()).isIn(200, 201);
    assertThat(writer.get(path("/entries/fx-graph/k1")).body()).isEqualTo(CONTENT);
  }

  @Test
  void shouldLeaveInvalidationsAndSettingsToAdminsAndTheServiceToAdminsOfEveryNamespace() {
    uploadMegaCache(descriptor(), CONTENT);
    String invalidation = "{\"selector\":{\"kind\":\"mega-cache\"},\"reason\":\"torch update\"}";
    ApiClient writer = api.withToken(token("write", ns));
    ApiClient nsAdmin = api.withToken(token("admin", ns));

    assertThat(writer.postJson(path("/invalidations"), invalidation).status()).isEqualTo(403);
    assertThat(writer.putJson(path(""), "{\"quotaBytes\":1000}").status()).isEqualTo(403);
    assertThat(nsAdmin.postJson(path("/invalidations"), invalidation).status()).isEqualTo(201);
    assertThat(nsAdmin.putJson(path(""), "{\"maxIdleDays\":7}").status()).isEqualTo(200);

    assertThat(nsAdmin.postJson("/v1/housekeeping/jobs/purge/runs", "").status()).isEqualTo(403);
    assertThat(nsAdmin.get("/v1/tokens").status()).isEqualTo(403);
    assertThat(nsAdmin.postJson("/v1/tokens", tokenRequest("read", null)).status()).isEqualTo(403);
  }

  @Test
  void shouldLeaveTheQuotaToTheOperatorWhileANamespaceAdminChangesTheRest() {
    assertThat(api.putJson(path(""), "{\"quotaBytes\":5000,\"maxIdleDays\":3}").status())
        .isEqualTo(200);
    ApiClient nsAdmin = api.withToken(token("admin", ns));

    ApiResponse raised = nsAdmin.putJson(path(""), "{\"quotaBytes\":1000000000000}");
    ApiResponse cleared = nsAdmin.putJson(path(""), "{\"maxIdleDays\":7}");

    for (ApiResponse refused : new ApiResponse[] {raised, cleared}) {
      assertThat(refused.status()).isEqualTo(403);
      assertThat(refused.json().get("type").asString()).isEqualTo(type("forbidden"));
      assertThat(refused.header("WWW-Authenticate")).contains("error=\"insufficient_scope\"");
      assertThat(refused.json().get("detail").asString()).contains("quotaBytes").contains("5000");
    }
    assertThat(api.get(path("")).json().get("quotaBytes").asLong()).isEqualTo(5000);
    assertThat(api.get(path("")).json().get("maxIdleDays").asInt()).isEqualTo(3);

    ApiResponse unchangedQuota =
        nsAdmin.putJson(
            path(""), "{\"quotaBytes\":5000,\"maxIdleDays\":7,\"invalidateAfterReports\":2}");
    assertThat(unchangedQuota.status()).isEqualTo(200);
    assertThat(unchangedQuota.json().get("maxIdleDays").asInt()).isEqualTo(7);
    assertThat(unchangedQuota.json().get("invalidateAfterReports").asInt()).isEqualTo(2);

    ApiResponse byOperator = api.putJson(path(""), "{\"quotaBytes\":8000}");
    assertThat(byOperator.status()).isEqualTo(200);
    assertThat(byOperator.json().get("quotaBytes").asLong()).isEqualTo(8000);
  }

  @Test
  void shouldStopAcceptingATokenOnceRevoked() {
    ApiResponse made = api.postJson("/v1/tokens", tokenRequest("read", ns));
    ApiClient reader = api.withToken(made.json().get("token").asString());
    assertThat(reader.get(path("")).status()).isEqualTo(200);

    ApiResponse revoked = api.delete("/v1/tokens/" + made.json().get("id").asString());

    assertThat(revoked.status()).isEqualTo(200);
    assertThat(revoked.json().has("revokedAt")).isTrue();
    assertThat(reader.get(path("")).status()).isEqualTo(401);
  }

  @Test
  void shouldStopAcceptingATokenOnceExpired() {
    ApiResponse made = api.postJson("/v1/tokens", tokenRequest("read", ns));
    jdbc.sql("update api_token set expires_at = now() - interval '1 second' where id = ?")
        .param(UUID.fromString(made.json().get("id").asString()))
        .update();

    assertThat(api.withToken(made.json().get("token").asString()).get(path("")).status())
        .isEqualTo(401);
  }

  /** A token lent for an hour cannot leave behind one that outlives it. */
  @Test
  void shouldLetAnExpiringAdminTokenMakeOnlyTokensThatExpireByThen() {
    Instant ends = inAnHour();
    String lentName = "lent-" + UUID.randomUUID().toString().substring(0, 8);
    ApiResponse lent = lentAdmin(lentName, ends);
    assertThat(lent.json().get("madeBy").asString()).isEqualTo("env:PT2CACHE_ADMIN_TOKEN");
    ApiClient contractor = api.withToken(lent.json().get("token").asString());

    String forever = "forever-" + UUID.randomUUID().toString().substring(0, 8);
    for (String expiry : new String[] {"", ",\"expiresAt\":\"" + ends.plusSeconds(60) + "\""}) {
      ApiResponse refused =
          contractor.postJson(
              "/v1/tokens", "{\"name\":\"%s\",\"role\":\"admin\"%s}".formatted(forever, expiry));
      assertThat(refused.status()).as(refused.text()).isEqualTo(403);
      assertThat(refused.json().get("detail").asString()).contains(lentName).contains("expire");
    }
    assertThat(api.get("/v1/tokens").text()).doesNotContain(forever);

    ApiResponse within =
        contractor.postJson(
            "/v1/tokens",
            "{\"name\":\"%s\",\"role\":\"read\",\"expiresAt\":\"%s\"}".formatted(forever, ends));
    assertThat(within.status()).as(within.text()).isEqualTo(201);
    assertThat(within.json().get("madeBy").asString()).isEqualTo(lentName);
    assertThat(within.json().get("madeById").asString())
        .isEqualTo(lent.json().get("id").asString());
  }

  /**
   * Revoked on another instance, a token still works here until this instance's cache forgets it;
   * if its name went meanwhile to a token that never expires, the rule still holds it to its own
   * end, not to that of the name's new holder.
   */
  @Test
  void shouldJudgeTheTokenThatCallsNotTheNameItHad() {
    String name = "lent-" + UUID.randomUUID().toString().substring(0, 8);
    ApiResponse lent = lentAdmin(name, inAnHour());
    ApiClient contractor = api.withToken(lent.json().get("token").asString());
    assertThat(contractor.get("/v1/tokens").status()).as("read and cached here").isEqualTo(200);
    jdbc.sql("update api_token set revoked_at = now() where id = ?")
        .param(UUID.fromString(lent.json().get("id").asString()))
        .update();
    assertThat(
            api.postJson("/v1/tokens", "{\"name\":\"%s\",\"role\":\"read\"}".formatted(name))
                .status())
        .isEqualTo(201);

    ApiResponse refused =
        contractor.postJson(
            "/v1/tokens", "{\"name\":\"forever-%s\",\"role\":\"admin\"}".formatted(name));

    // refused by its own end, which the revocation check (that follows) would not tell
    assertThat(refused.status()).as(refused.text()).isEqualTo(403);
    assertThat(refused.json().get("detail").asString())
        .contains(name)
        .contains("so the tokens it makes must expire by then");
    assertThat(api.get("/v1/tokens").text()).doesNotContain("forever-" + name);
  }

  /**
   * Revoked on another instance, an admin token that never expires is still trusted here for
   * lookups until the cache forgets it, but makes no token: that one would outlive the revocation.
   */
  @Test
  void shouldLetNoTokenRevokedElsewhereMakeATokenHere() {
    String name = "kept-" + UUID.randomUUID().toString().substring(0, 8);
    ApiResponse made =
        api.postJson("/v1/tokens", "{\"name\":\"%s\",\"role\":\"admin\"}".formatted(name));
    assertThat(made.status()).as(made.text()).isEqualTo(201);
    ApiClient admin = api.withToken(made.json().get("token").asString());
    assertThat(admin.get("/v1/tokens").status()).as("read and cached here").isEqualTo(200);
    jdbc.sql("update api_token set revoked_at = now() where id = ?")
        .param(UUID.fromString(made.json().get("id").asString()))
        .update();

    String heir = "heir-" + name;
    ApiResponse refused =
        admin.postJson("/v1/tokens", "{\"name\":\"%s\",\"role\":\"admin\"}".formatted(heir));

    assertThat(refused.status()).as(refused.text()).isEqualTo(403);
    assertThat(refused.json().get("detail").asString()).contains(name).contains("revoked");
    assertThat(api.get("/v1/tokens").text()).doesNotContain(heir);
  }

  @Test
  void shouldKeepOnlyTheDigestOfASecretAndShowTheSecretOnce() {
    ApiResponse made = api.postJson("/v1/tokens", tokenRequest("write", ns));
    String secret = made.json().get("token").asString();
    String id = made.json().get("id").asString();

    assertThat(made.status()).isEqualTo(201);
    assertThat(secret).startsWith("pt2c_").hasSizeGreaterThan(40);
    assertThat(
            jdbc.sql("select token_sha256 from api_token where id = ?")
                .param(UUID.fromString(id))
                .query(String.class)
                .single())
        .isEqualTo(Sha256.hexOf(secret));
    assertThat(api.get("/v1/tokens").text()).contains(id).doesNotContain(secret);
  }

  @Test
  void shouldRefuseATokenRequestThatCannotBeKept() {
    String name = "fleet-" + UUID.randomUUID().toString().substring(0, 8);
    String request = "{\"name\":\"" + name + "\",\"role\":\"read\"}";
    assertThat(api.postJson("/v1/tokens", request).status()).isEqualTo(201);

    ApiResponse again = api.postJson("/v1/tokens", request);
    ApiResponse unknownNamespace =
        api.postJson("/v1/tokens", "{\"name\":\"x\",\"role\":\"read\",\"namespace\":\"nope-0\"}");
    ApiResponse badRole = api.postJson("/v1/tokens", "{\"name\":\"x\",\"role\":\"root\"}");
    // left out means every namespace; a null is a mistake, not a wish for every namespace
    ApiResponse nullNamespace =
        api.postJson("/v1/tokens", "{\"name\":\"x\",\"role\":\"admin\",\"namespace\":null}");
    ApiResponse past =
        api.postJson(
            "/v1/tokens",
            "{\"name\":\"x\",\"role\":\"read\",\"expiresAt\":\"" + Instant.EPOCH + "\"}");

    assertThat(again.status()).isEqualTo(409);
    assertThat(again.json().get("type").asString()).isEqualTo(type("token-name-taken"));
    assertThat(unknownNamespace.status()).isEqualTo(404);
    assertThat(badRole.status()).isEqualTo(400);
    assertThat(nullNamespace.status()).isEqualTo(400);
    assertThat(nullNamespace.json().get("detail").asString()).contains("namespace may not be null");
    // left out means it never expires; an unset variable is not a wish for that either
    for (String expiry : new String[] {"null", "\"\"", "\"  \""}) {
      ApiResponse neverExpiring =
          api.postJson(
              "/v1/tokens",
              "{\"name\":\"x\",\"role\":\"read\",\"expiresAt\":%s}".formatted(expiry));
      assertThat(neverExpiring.status()).as(expiry).isEqualTo(400);
      assertThat(neverExpiring.json().get("detail").asString())
          .contains("expiresAt")
          .containsAnyOf("may not be null", "a date and time");
    }
    assertThat(past.status()).isEqualTo(400);
    assertThat(api.get("/v1/tokens").text()).doesNotContain("\"name\":\"x\"");
  }

  @Test
  void shouldCheckEveryCallWhateverThePathLooksLike() {
    ApiClient anonymous = api.withToken(null);

    for (String trick :
        new String[] {
          "//v1/namespaces/" + ns,
          "/v1//namespaces/" + ns,
          "/v1/namespaces/" + ns + "/",
          "/v1/./namespaces/" + ns,
          "/x/../v1/namespaces/" + ns,
          "/v1/namespaces/%2e%2e/namespaces/" + ns,
          "/v1/namespaces/" + ns + ";jsessionid=1"
        }) {
      ApiResponse answer = anonymous.get(trick);
      assertThat(answer.status()).as(trick + " " + answer.text()).isIn(400, 401, 404);
      assertThat(answer.text()).as(trick).doesNotContain("\"artifactCount\"");
    }
  }

  @Test
  void shouldLeaveHealthAndTheContractOpen() {
    ApiClient anonymous = api.withToken(null);

    assertThat(anonymous.get("/actuator/health/readiness").status()).isEqualTo(200);
    assertThat(anonymous.get("/openapi.yaml").status()).isEqualTo(200);
  }

  /** A token's expiry is kept to the microsecond, never later than asked, and answered as kept. */
  @Test
  void shouldAnswerTheExpiryItKeepsToTheMicrosecond() {
    String name = "precise-" + UUID.randomUUID().toString().substring(0, 8);
    ApiResponse made =
        api.postJson(
            "/v1/tokens",
            "{\"name\":\"%s\",\"role\":\"read\",\"expiresAt\":\"2030-01-01T00:00:00.123456789Z\"}"
                .formatted(name));
    assertThat(made.status()).as(made.text()).isEqualTo(201);

    String listed = null;
    for (var token : api.get("/v1/tokens").json().get("items")) {
      if (token.get("name").asString().equals(name)) {
        listed = token.get("expiresAt").asString();
      }
    }

    assertThat(made.json().get("expiresAt").asString())
        .isEqualTo(listed)
        .isEqualTo("2030-01-01T00:00:00.123456Z");
  }

  private static Instant inAnHour() {
    return Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
  }

  /** An admin token for every namespace that the operator lends until {@code ends}. */
  private ApiResponse lentAdmin(String name, Instant ends) {
    ApiResponse lent =
        api.postJson(
            "/v1/tokens",
            "{\"name\":\"%s\",\"role\":\"admin\",\"expiresAt\":\"%s\"}".formatted(name, ends));
    assertThat(lent.status()).as(lent.text()).isEqualTo(201);
    return lent;
  }

  private String token(String role, String namespace) {
    ApiResponse made = api.postJson("/v1/tokens", tokenRequest(role, namespace));
    assertThat(made.status()).as(made.text()).isEqualTo(201);
    return made.json().get("token").asString();
  }

  private static String tokenRequest(String role, String namespace) {
    String name = role + "-" + UUID.randomUUID().toString().substring(0, 8);
    return namespace == null
        ? "{\"name\":\"%s\",\"role\":\"%s\"}".formatted(name, role)
        : "{\"name\":\"%s\",\"role\":\"%s\",\"namespace\":\"%s\"}".formatted(name, role, namespace);
  }

  private String descriptor() {
    return Descriptors.of("model-of-" + ns);
  }

  private static String sha() {
    return Fixtures.sha256(new byte[16]);
  }

  private static String type(String name) {
    return "urn:pt2cache:problem:" + name;
  }
}
