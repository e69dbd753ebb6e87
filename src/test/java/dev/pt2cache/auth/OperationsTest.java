package dev.pt2cache.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
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

  @Test
  void shouldCloseAnOperationNobodyListed() {
    assertThat(Operations.of("somethingNew")).isEqualTo(Access.everywhere(Role.ADMIN));
  }
}
