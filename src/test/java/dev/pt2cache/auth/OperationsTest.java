package dev.pt2cache.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.parser.OpenAPIV3Parser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Every operation of the contract has its access stated, and nothing else has one. */
class OperationsTest {

  @Test
  void shouldStateTheAccessOfEveryOperationOfTheContract() throws Exception {
    Matcher ids =
        Pattern.compile("operationId: (\\w+)").matcher(Files.readString(Path.of("openapi.yaml")));
    Set<String> operations =
        ids.results().map(result -> result.group(1)).collect(Collectors.toSet());

    assertThat(operations).hasSizeGreaterThan(20);
    assertThat(Operations.ACCESS.keySet()).containsExactlyInAnyOrderElementsOf(operations);
  }

  /**
   * Swagger UI shows an operation with its own words: a node given a read token found nothing there
   * or in the introduction's list of roles that said a report needs write (403). Each operation
   * says the role it needs, and in every namespace where it needs that.
   */
  @Test
  void shouldSayInEachOperationTheRoleItNeeds() {
    OpenAPI api = new OpenAPIV3Parser().read(Path.of("openapi.yaml").toAbsolutePath().toString());
    List<String> unsaid = new ArrayList<>();
    api.getPaths()
        .forEach(
            (path, item) ->
                item.readOperations()
                    .forEach(
                        operation -> {
                          Access access = Operations.of(operation.getOperationId());
                          String needs = "Needs `" + access.role().wireName() + "`";
                          String words =
                              Objects.toString(operation.getDescription(), "").replace('\n', ' ');
                          boolean said =
                              words.contains(needs)
                                  && words.contains(needs + " in every namespace")
                                      == access.everyNamespace();
                          if (!said) {
                            unsaid.add(operation.getOperationId() + " (" + access + ")");
                          }
                        }));
    assertThat(unsaid).isEmpty();
  }

  @Test
  void shouldCloseAnOperationNobodyListed() {
    assertThat(Operations.of("somethingNew")).isEqualTo(Access.everywhere(Role.ADMIN));
  }
}
