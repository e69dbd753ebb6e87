package dev.pt2cache.namespace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import org.junit.jupiter.api.Test;

class NamespaceApiTest extends ServiceTest {

  @Test
  void shouldHaveTheDefaultNamespaceFromTheStart() {
    ApiResponse response = api.get("/v1/namespaces/default");
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json().get("name").asString()).isEqualTo("default");
  }

  @Test
  void shouldCreateThenReplaceSettings() {
    String name = ns + "-x";
    ApiResponse created =
        api.putJson("/v1/namespaces/" + name, "{\"quotaBytes\": 1000000, \"maxIdleDays\": 30}");
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.header("Location")).isEqualTo("/v1/namespaces/" + name);

    ApiResponse replaced = api.putJson("/v1/namespaces/" + name, "{\"maxIdleDays\": 7}");
    assertThat(replaced.status()).isEqualTo(200);
    assertThat(replaced.json().get("maxIdleDays").asInt()).isEqualTo(7);
    assertThat(replaced.json().has("quotaBytes")).isFalse();
    assertThat(api.get("/v1/namespaces/" + name).json().get("maxIdleDays").asInt()).isEqualTo(7);
  }

  /** DESIGN lists name among a namespace's members; a body may carry it, for its own path only. */
  @Test
  void shouldTakeTheNameInTheBodyOnlyForTheNamespaceThePathNames() {
    String name = ns + "-n";
    ApiResponse created =
        api.putJson(
            "/v1/namespaces/" + name, "{\"name\": \"%s\", \"quotaBytes\": 5000}".formatted(name));
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.json().get("quotaBytes").asLong()).isEqualTo(5000);

    String before = api.get("/v1/namespaces/default").json().path("quotaBytes").toString();
    ApiResponse other =
        api.putJson("/v1/namespaces/" + name, "{\"name\": \"default\", \"quotaBytes\": 1}");
    assertProblem(other, 400, "invalid-request");
    assertThat(other.json().get("detail").asString()).contains("default").contains(name);
    assertThat(api.get("/v1/namespaces/" + name).json().get("quotaBytes").asLong()).isEqualTo(5000);
    assertThat(api.get("/v1/namespaces/default").json().path("quotaBytes").toString())
        .as("the namespace the body named is untouched")
        .isEqualTo(before);
  }

  @Test
  void shouldReportUsageOfReadyArtifacts() {
    uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), Fixtures.GPT2.bytes());
    uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), Fixtures.randomBytes(1000));

    ApiResponse namespace = api.get("/v1/namespaces/" + ns);
    assertThat(namespace.json().get("artifactCount").asLong()).isEqualTo(2);
    assertThat(namespace.json().get("storedBytes").asLong()).isEqualTo(Fixtures.GPT2.size() + 1000);
  }

  @Test
  void shouldListNamespacesWithTheirUsage() {
    // a page at a time: the suite's namespaces may be more than one page holds
    assertThat(NamespacePagingTest.everyName(api, 1000)).contains("default", ns);
  }

  @Test
  void shouldAnswer404ForAnUnknownNamespace() {
    assertProblem(api.get("/v1/namespaces/" + ns + "-missing"), 404, "namespace-not-found");
  }

  @Test
  void shouldRefuseNegativeQuota() {
    assertProblem(
        api.putJson("/v1/namespaces/" + ns, "{\"quotaBytes\": -1}"), 400, "invalid-request");
  }
}
