package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ContractExamples;
import dev.pt2cache.support.ContractExamples.Example;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.parameters.Parameter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Swagger UI offers the contract's examples as they stand: in parameter fields, Try-it-out bodies
 * and the answers it shows. Each one is what its own schema allows (docs/adr/0001).
 */
class ContractExamplesTest {

  private static final OpenAPI CONTRACT =
      ContractExamples.load(Path.of("openapi.yaml").toAbsolutePath().toUri().toString());

  @Test
  void shouldGiveOnlyExamplesTheirSchemasAllow() {
    List<Example> examples = ContractExamples.of(CONTRACT);
    Map<String, List<String>> wrong = new LinkedHashMap<>();
    for (Example example : examples) {
      List<String> problems = ContractExamples.problems(CONTRACT, example);
      if (!problems.isEmpty()) {
        wrong.put(example.where() + " " + example.json(), problems);
      }
    }
    assertThat(examples.stream().map(Example::where))
        .as("the walk finds the request bodies' examples and the members' ones")
        .contains("PUT /v1/namespaces/{namespace} request application/json")
        .contains("PATCH /v1/namespaces/{namespace} request application/merge-patch+json")
        .contains("POST /v1/namespaces/{namespace}/artifacts request application/json")
        .contains("schema Key");
    assertThat(wrong).isEmpty();
  }

  /**
   * The artifact listing's {@code key} filter spells out {@code Key}'s rule without its example
   * (which Swagger UI would send as a filter): the two rules stay one.
   */
  @Test
  void shouldFilterTheListingByTheRuleOfAKey() {
    Parameter key =
        CONTRACT
            .getPaths()
            .get("/v1/namespaces/{namespace}/artifacts")
            .getGet()
            .getParameters()
            .stream()
            .filter(p -> p.getName().equals("key"))
            .findFirst()
            .orElseThrow();

    assertThat(key.getSchema().getPattern())
        .isEqualTo(CONTRACT.getComponents().getSchemas().get("Key").getPattern());
    assertThat(key.getSchema().getExample()).isNull();
  }
}
