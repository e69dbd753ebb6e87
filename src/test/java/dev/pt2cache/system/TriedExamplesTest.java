package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.ContractExamples;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.ServiceTest;
import io.swagger.v3.core.util.Json;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.PathItem.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * An operator tries the operations in Swagger UI as it fills them from the contract: the path's
 * namespace, the query fields and the request bodies are the contract's examples and defaults, sent
 * as they stand with the operator's admin token. Each gets the answer the contract promises.
 */
class TriedExamplesTest extends ServiceTest {

  private static final OpenAPI CONTRACT =
      ContractExamples.load(Path.of("openapi.yaml").toAbsolutePath().toUri().toString());

  @Test
  void shouldAnswerEachRequestExampleAsTheContractSays() {
    String namespace =
        "/v1/namespaces/" + CONTRACT.getComponents().getSchemas().get("NamespaceName").getExample();
    assertThat(api.get(namespace).status())
        .as("the example namespace is made first, as the parameter's description says")
        .isIn(200, 404);
    ApiResponse made = api.putJson(namespace, body("/v1/namespaces/{namespace}", HttpMethod.PUT));
    assertThat(made.status()).as(made.text()).isIn(200, 201);
    assertThat(made.json().get("maxIdleDays").asInt()).isEqualTo(30);

    ApiResponse patched =
        api.mergePatch(
            namespace,
            body("/v1/namespaces/{namespace}", HttpMethod.PATCH, "application/merge-patch+json"));
    assertThat(patched.status()).as(patched.text()).isEqualTo(200);
    assertThat(patched.json().get("invalidateAfterReports").asInt()).isEqualTo(3);
    assertThat(patched.json().get("maxIdleDays").asInt())
        .as("the patch's example keeps what the PUT's set")
        .isEqualTo(30);

    ApiResponse declared =
        api.postJson(
            namespace + "/artifacts",
            body("/v1/namespaces/{namespace}/artifacts", HttpMethod.POST));
    assertThat(declared.status()).as(declared.text()).isIn(200, 201);
    JsonNode artifact = declared.json();
    if (artifact.get("state").asString().equals("pending")) {
      // the example's comment: the bytes to upload next are the 4 bytes "test"
      artifact =
          api.putBytes(
                  artifact.get("uploadUrl").asString(), "test".getBytes(StandardCharsets.US_ASCII))
              .json();
    }
    assertThat(artifact.get("state").asString()).isEqualTo("ready");

    ApiResponse lookup =
        api.postJson(
            namespace + "/lookups", body("/v1/namespaces/{namespace}/lookups", HttpMethod.POST));
    assertThat(lookup.status()).as(lookup.text()).isEqualTo(200);
    assertThat(lookup.json().get("hit").asBoolean())
        .as("the lookup's example finds what the upload's example stored: %s", lookup.text())
        .isTrue();
    assertThat(lookup.json().get("artifact").get("id")).isEqualTo(artifact.get("id"));

    ApiResponse invalidated =
        api.postJson(
            namespace + "/invalidations",
            body("/v1/namespaces/{namespace}/invalidations", HttpMethod.POST));
    assertThat(invalidated.status()).as(invalidated.text()).isEqualTo(201);
  }

  @Test
  void shouldListWhatANamespaceHoldsWithTheFieldsSwaggerUiFillsIn() {
    String key =
        uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), new byte[] {1})
            .json()
            .get("key")
            .asString();
    Map<String, String> filled =
        ContractExamples.filledQuery(
            CONTRACT, "/v1/namespaces/{namespace}/artifacts", HttpMethod.GET);
    String query =
        filled.entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining("&"));
    ApiResponse listed = api.get(path("/artifacts?" + query));
    assertThat(listed.status()).as(listed.text()).isEqualTo(200);
    assertThat(listed.json().get("items").findValuesAsString("key"))
        .as(
            "Try-it-out on the listing, filled as Swagger UI fills it (%s), lists the namespace",
            query)
        .contains(key);
  }

  private static String body(String path, HttpMethod method) {
    return body(path, method, "application/json");
  }

  private static String body(String path, HttpMethod method, String type) {
    Object example =
        CONTRACT
            .getPaths()
            .get(path)
            .readOperationsMap()
            .get(method)
            .getRequestBody()
            .getContent()
            .get(type)
            .getExample();
    return Json.pretty(example);
  }
}
