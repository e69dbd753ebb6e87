package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.ContractExamples;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.ServiceTest;
import io.swagger.v3.core.util.Json;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.PathItem.HttpMethod;
import io.swagger.v3.oas.models.media.Schema;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

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

  /**
   * The problem Swagger UI shows as the example of every operation's 401 and 403 is what the
   * service answers there. Without an example of their own it builds one from Problem's members:
   * the type's example, digest-mismatch, with a status of 0.
   */
  @Test
  void shouldShowUnderA401AndA403TheProblemTheServiceAnswers() {
    ApiResponse made =
        api.postJson(
            "/v1/tokens",
            "{\"name\":\"reader-%s\",\"role\":\"read\",\"namespace\":\"%s\"}"
                .formatted(UUID.randomUUID().toString().substring(0, 8), ns));
    assertThat(made.status()).as(made.text()).isEqualTo(201);
    Map<String, ApiResponse> answered =
        Map.of(
            "Unauthenticated", api.withToken(null).get(path("")),
            "Forbidden", api.withToken(made.json().get("token").asString()).get("/v1/tokens"));
    answered.forEach(
        (response, answer) -> {
          JsonNode shown = shownExample(response);
          for (String member : List.of("type", "title", "status")) {
            assertThat(shown.path(member).asString())
                .as("%s's %s, shown %s, answered %s", response, member, shown, answer.text())
                .isEqualTo(answer.json().get(member).asString());
          }
        });
  }

  /**
   * Every example Swagger UI shows under a shared problem response (the drop-down of its {@code
   * examples}) is an answer the service gives: each one's type, title and status those of a real
   * answer of that type, and its status the code of every operation's response that shows it.
   * Without examples of their own, the 400, 404, 409, 410 and 422 of every operation showed one
   * built from Problem's members: digest-mismatch, with a status of 0.
   */
  @Test
  void shouldShowUnderEachSharedProblemResponseProblemsTheServiceAnswers() {
    Map<String, ApiResponse> answered = answeredProblems();
    Map<String, Integer> shared =
        Map.of(
            "BadRequest",
            400,
            "NotFound",
            404,
            "Conflict",
            409,
            "Gone",
            410,
            "UnprocessableContent",
            422,
            "ContentTooLarge",
            413,
            "UnsupportedMediaType",
            415,
            "RangeNotSatisfiable",
            416);
    shared.forEach(
        (response, status) -> {
          io.swagger.v3.oas.models.responses.ApiResponse declared =
              CONTRACT.getComponents().getResponses().get(response);
          assertThat(declared).as("a shared %s response", response).isNotNull();
          assertShownAreAnswered(response, declared, status, answered);
        });
    CONTRACT
        .getPaths()
        .forEach(
            (path, item) ->
                item.readOperations()
                    .forEach(
                        operation ->
                            operation
                                .getResponses()
                                .forEach(
                                    (code, response) ->
                                        shared.forEach(
                                            (name, status) -> {
                                              if (("#/components/responses/" + name)
                                                  .equals(response.get$ref())) {
                                                assertThat(code)
                                                    .as("%s shown under %s", name, path)
                                                    .isEqualTo(String.valueOf(status));
                                              }
                                            }))));
  }

  /**
   * Every problem response of every operation, shared or described in place (a download's 409 and
   * 410, a merge patch's 415), shows in Swagger UI examples of problems the service answers with
   * that status; without them Swagger UI built one from Problem's members (digest-mismatch, status
   * 0). Not {@code default} nor the 503s: their problems (a store or database gone, every
   * connection taken, a 500) cannot be made here on demand, so no example could be checked.
   */
  @Test
  void shouldShowUnderEveryProblemResponseButDefaultAnd503ProblemsTheServiceAnswers() {
    Map<String, ApiResponse> answered = answeredProblems();
    Map<String, io.swagger.v3.oas.models.responses.ApiResponse> shared =
        CONTRACT.getComponents().getResponses();
    List<String> checked = new java.util.ArrayList<>();
    CONTRACT
        .getPaths()
        .forEach(
            (path, item) ->
                item.readOperationsMap()
                    .forEach(
                        (method, operation) ->
                            operation
                                .getResponses()
                                .forEach(
                                    (code, response) -> {
                                      io.swagger.v3.oas.models.responses.ApiResponse declared =
                                          response.get$ref() == null
                                              ? response
                                              : shared.get(
                                                  response
                                                      .get$ref()
                                                      .replace("#/components/responses/", ""));
                                      if (code.equals("default")
                                          || code.equals("503")
                                          || declared.getContent() == null
                                          || !declared
                                              .getContent()
                                              .containsKey("application/problem+json")) {
                                        return;
                                      }
                                      assertShownAreAnswered(
                                          method + " " + path + " " + code,
                                          declared,
                                          Integer.parseInt(code),
                                          answered);
                                      checked.add(code);
                                    })));
    assertThat(checked)
        .contains("400", "401", "403", "404", "409", "410", "413", "415", "416", "422");
  }

  /**
   * The examples of a problem response ({@code examples}, or its one {@code example}): there are
   * some, and each one's type, title and status are those of a real answer of its type, its status
   * the response's.
   */
  private static void assertShownAreAnswered(
      String where,
      io.swagger.v3.oas.models.responses.ApiResponse declared,
      int status,
      Map<String, ApiResponse> answered) {
    io.swagger.v3.oas.models.media.MediaType media =
        declared.getContent().get("application/problem+json");
    Map<String, Object> examples = new java.util.LinkedHashMap<>();
    if (media.getExample() != null) {
      examples.put("example", media.getExample());
    }
    if (media.getExamples() != null) {
      media.getExamples().forEach((name, example) -> examples.put(name, example.getValue()));
    }
    assertThat(examples).as("%s's examples", where).isNotEmpty();
    examples.forEach(
        (name, value) -> {
          JsonNode shown = JsonMapper.builder().build().readTree(Json.pretty(value));
          String type = shown.path("type").asString();
          ApiResponse answer = answered.get(type);
          assertThat(answer).as("%s %s: a real answer of %s", where, name, type).isNotNull();
          assertThat(shown.path("status").asInt())
              .as("%s %s's status", where, name)
              .isEqualTo(status);
          for (String member : List.of("type", "title", "status")) {
            assertThat(shown.path(member).asString())
                .as("%s %s's %s, answered %s", where, name, member, answer.text())
                .isEqualTo(answer.json().get(member).asString());
          }
        });
  }

  /** {@link #realProblems}, made once for the class: they are many requests and a retention run. */
  private static Map<String, ApiResponse> problemsAnswered;

  private Map<String, ApiResponse> answeredProblems() {
    if (problemsAnswered == null) {
      problemsAnswered = realProblems();
    }
    return problemsAnswered;
  }

  /** One real answer of each problem type the problem responses' examples show, by type. */
  private Map<String, ApiResponse> realProblems() {
    Map<String, ApiResponse> answers = new java.util.HashMap<>();
    java.util.function.Consumer<ApiResponse> keep =
        answer -> answers.put(answer.json().get("type").asString(), answer);
    byte[] bytes = {1, 2, 3};
    String entry = path("/entries/fx-graph/k-" + UUID.randomUUID());
    ApiResponse stored = api.putBytes(entry, bytes);
    assertThat(stored.status()).as(stored.text()).isEqualTo(201);
    String entryId = stored.json().get("id").asString();
    String pending =
        declareMegaCache(Descriptors.of(Descriptors.uniqueModel()), new byte[] {7})
            .json()
            .get("id")
            .asString();
    String invalidated =
        uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), new byte[] {8})
            .json()
            .get("id")
            .asString();
    assertThat(
            api.postJson(
                    path("/invalidations"),
                    "{\"selector\":{\"artifactIds\":[\"%s\"]},\"reason\":\"recompiled\"}"
                        .formatted(invalidated))
                .status())
        .isEqualTo(201);
    String token =
        "{\"name\":\"twice-%s\",\"role\":\"read\",\"namespace\":\"%s\"}"
            .formatted(UUID.randomUUID().toString().substring(0, 8), ns);
    ApiResponse reader = api.postJson("/v1/tokens", token);
    assertThat(reader.status()).as(reader.text()).isEqualTo(201);
    String idempotencyKey = "k-" + UUID.randomUUID();
    api.postJson(
        path("/invalidations"),
        "{\"selector\":{\"modelName\":\"none-%s\"},\"reason\":\"a\"}".formatted(ns),
        "Idempotency-Key",
        idempotencyKey);

    keep.accept(api.get(path("/artifacts?colour=blue")));
    keep.accept(api.postJson(path("/lookups"), "{\"kind\":\"mega-cache\",\"colour\":1}"));
    keep.accept(api.postJson(path("/invalidations"), "{\"selector\":{},\"reason\":\"oops\"}"));
    keep.accept(api.get("/v1/namespaces/no-such-" + ns));
    keep.accept(api.get(path("/artifacts/" + UUID.randomUUID())));
    keep.accept(api.putBytes(entry, new byte[] {9}));
    keep.accept(api.get(path("/artifacts/" + pending + "/content")));
    keep.accept(api.postJson("/v1/tokens", token));
    keep.accept(api.get(path("/artifacts/" + invalidated + "/content")));
    keep.accept(
        api.putBytes(
            path("/entries/fx-graph/k-" + UUID.randomUUID()),
            bytes,
            "X-Content-SHA256",
            "0".repeat(64)));
    keep.accept(api.putBytes(path("/artifacts/" + pending + "/content"), new byte[] {7, 7}));
    keep.accept(
        api.postJson(
            path("/invalidations"),
            "{\"selector\":{\"modelName\":\"other-%s\"},\"reason\":\"a\"}".formatted(ns),
            "Idempotency-Key",
            idempotencyKey));
    keep.accept(api.withToken(null).get(path("")));
    keep.accept(api.withToken(reader.json().get("token").asString()).get("/v1/tokens"));
    keep.accept(
        api.send(
            api.request(path("/lookups"), "Content-Type", "text/plain")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}"))
                .build()));
    keep.accept(api.get(entry, "Range", "bytes=10-"));
    keep.accept(api.patch(path(""), "{}", "application/json"));
    // larger than the upload limit (64MB here), then than the namespace's whole quota
    keep.accept(declareMegaCache(Descriptors.of(Descriptors.uniqueModel()), 65L << 20));
    limits("2", "null");
    keep.accept(declareMegaCache(Descriptors.of(Descriptors.uniqueModel()), 3));
    // the entry's 3 bytes are over that quota: retention evicts them
    runJob("retention");
    keep.accept(api.get(path("/artifacts/" + entryId + "/content")));
    return answers;
  }

  /** Declares a Mega-Cache of {@code sizeBytes} bytes (their SHA-256 made up): the answer. */
  private ApiResponse declareMegaCache(String descriptor, long sizeBytes) {
    return api.postJson(
        path("/artifacts"),
        Descriptors.upload("mega-cache", descriptor, "0".repeat(64), sizeBytes));
  }

  private static JsonNode shownExample(String response) {
    Object example =
        CONTRACT
            .getComponents()
            .getResponses()
            .get(response)
            .getContent()
            .get("application/problem+json")
            .getExample();
    if (example == null) {
      Schema<?> problem = CONTRACT.getComponents().getSchemas().get("Problem");
      example =
          Map.of(
              "type",
              problem.getProperties().get("type").getExample(),
              "title",
              "string",
              "status",
              0);
    }
    return JsonMapper.builder().build().readTree(Json.pretty(example));
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
