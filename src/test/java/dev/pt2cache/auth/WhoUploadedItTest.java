package dev.pt2cache.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Nodes report an artifact broken, and the operator asks which fleet's token stored it, to find the
 * node that produces bad artifacts. The artifact's own metadata names the token that declared it
 * (docs/adr/0049): its name and id, on the artifact and in listings, long after the access lines
 * that said so have rotated away.
 */
class WhoUploadedItTest extends ServiceTest {

  private static final String OPERATOR = "env:PT2CACHE_ADMIN_TOKEN";

  private final String fleet = "fleet-" + UUID.randomUUID().toString().substring(0, 8);
  private String fleetId;
  private ApiClient asFleet;
  private String otherId;
  private ApiClient asOther;

  @BeforeEach
  void writers() {
    ApiResponse made = writer(fleet);
    fleetId = made.json().get("id").asString();
    asFleet = api.withToken(made.json().get("token").asString());
    ApiResponse other = writer(fleet + "-b");
    otherId = other.json().get("id").asString();
    asOther = api.withToken(other.json().get("token").asString());
  }

  @AfterEach
  void dropTokens() {
    jdbc.sql("delete from api_token where name like ?").param(fleet + "%").update();
  }

  @Test
  void shouldNameTheTokenThatDeclaredAnArtifactWhoeverSendsItsBytes() {
    byte[] bytes = Fixtures.randomBytes(300);
    ApiResponse declared =
        asFleet.postJson(
            path("/artifacts"),
            Descriptors.upload(
                "mega-cache",
                Descriptors.of(Descriptors.uniqueModel()),
                Fixtures.sha256(bytes),
                bytes.length));
    assertThat(declared.status()).as(declared.text()).isEqualTo(201);
    assertUploadedBy(declared.json(), fleet, fleetId);

    // another token of the namespace sends the bytes: they can only be the content declared
    ApiResponse sent = asOther.putBytes(declared.json().get("uploadUrl").asString(), bytes);
    assertThat(sent.status()).as(sent.text()).isEqualTo(200);
    assertUploadedBy(sent.json(), fleet, fleetId);

    String id = sent.json().get("id").asString();
    assertUploadedBy(api.get(path("/artifacts/" + id)).json(), fleet, fleetId);
    assertUploadedBy(listed(id), fleet, fleetId);

    // a resend of the same artifact by the other token changes nothing
    ApiResponse again = asOther.putBytes(declared.json().get("uploadUrl").asString(), bytes);
    assertThat(again.status()).as(again.text()).isEqualTo(200);
    assertUploadedBy(api.get(path("/artifacts/" + id)).json(), fleet, fleetId);
    assertThat(listed(id).toString()).doesNotContain(otherId);
  }

  @Test
  void shouldNameTheTokenOfAnEntryPut() {
    String key = "k-" + UUID.randomUUID();
    ApiResponse put = asOther.putBytes(path("/entries/fx-graph/" + key), Fixtures.randomBytes(200));
    assertThat(put.status()).as(put.text()).isEqualTo(201);
    assertUploadedBy(put.json(), fleet + "-b", otherId);
    assertUploadedBy(listed(put.json().get("id").asString()), fleet + "-b", otherId);
  }

  @Test
  void shouldNameTheOperatorsTokenWithoutAnId() {
    JsonNode uploaded =
        uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), Fixtures.randomBytes(100))
            .json();
    assertThat(uploaded.get("uploadedBy").asString()).isEqualTo(OPERATOR);
    assertThat(uploaded.has("uploadedById")).isFalse();
  }

  @Test
  void shouldNameEachNamespacesOwnDeclarerWhereNamespacesShareContent() {
    byte[] bytes = Fixtures.randomBytes(150);
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    // the operator stores the content in another namespace first
    String elsewhere = "/v1/namespaces/" + ns + "-x";
    assertThat(api.putJson(elsewhere, "{}").status()).isIn(200, 201);
    ApiResponse first =
        api.postJson(
            elsewhere + "/artifacts",
            Descriptors.upload("mega-cache", descriptor, Fixtures.sha256(bytes), bytes.length));
    assertThat(api.putBytes(first.json().get("uploadUrl").asString(), bytes).status())
        .isEqualTo(200);

    ApiResponse declared =
        asFleet.postJson(
            path("/artifacts"),
            Descriptors.upload("mega-cache", descriptor, Fixtures.sha256(bytes), bytes.length));
    ApiResponse sent = asFleet.putBytes(declared.json().get("uploadUrl").asString(), bytes);
    assertThat(sent.status()).as(sent.text()).isEqualTo(200);
    assertUploadedBy(sent.json(), fleet, fleetId);
    JsonNode theirs = api.get(elsewhere + "/artifacts/" + first.json().get("id").asString()).json();
    assertThat(theirs.get("uploadedBy").asString()).isEqualTo(OPERATOR);
  }

  @Test
  void shouldShowNoUploaderForArtifactsStoredBeforeTheServiceKeptIt() {
    String id =
        uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), Fixtures.randomBytes(100))
            .json()
            .get("id")
            .asString();
    // as a row written before migration V22 is
    jdbc.sql("update artifact set uploaded_by = null, uploaded_by_id = null where id = ?::uuid")
        .param(id)
        .update();

    JsonNode read = api.get(path("/artifacts/" + id)).json();
    assertThat(read.has("uploadedBy")).isFalse();
    assertThat(read.has("uploadedById")).isFalse();
    assertThat(listed(id).has("uploadedBy")).isFalse();
  }

  private ApiResponse writer(String name) {
    ApiResponse made =
        api.postJson(
            "/v1/tokens",
            "{\"name\": \"%s\", \"role\": \"write\", \"namespace\": \"%s\"}".formatted(name, ns));
    assertThat(made.status()).as(made.text()).isEqualTo(201);
    return made;
  }

  private JsonNode listed(String id) {
    JsonNode items = api.get(path("/artifacts?limit=100")).json().get("items");
    return items
        .valueStream()
        .filter(i -> i.get("id").asString().equals(id))
        .findFirst()
        .orElseThrow();
  }

  private static void assertUploadedBy(JsonNode artifact, String name, String id) {
    assertThat(artifact.get("uploadedBy")).as(artifact.toString()).isNotNull();
    assertThat(artifact.get("uploadedBy").asString()).isEqualTo(name);
    assertThat(artifact.get("uploadedById").asString()).isEqualTo(id);
  }
}
