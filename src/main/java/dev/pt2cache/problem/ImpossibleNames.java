package dev.pt2cache.problem;

import java.util.Map;
import java.util.Optional;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * A path that names what cannot exist: a namespace whose name breaks the naming rule ({@code
 * team_a}), or an artifact, invalidation or token whose id is no UUID. Nothing has that name, so
 * the answer is the {@code 404} of anything that does not exist (DESIGN: "an unknown namespace is
 * 404"), not a {@code 400} that reads as if the request were malformed. Creating a namespace under
 * such a name stays a {@code 400} naming the rule: that request asks for something it cannot have.
 */
final class ImpossibleNames {

  private static final String CREATE_NAMESPACE = "putNamespace";

  private static final Map<String, ProblemType> IDS =
      Map.of(
          "artifactId", ProblemType.ARTIFACT_NOT_FOUND,
          "invalidationId", ProblemType.INVALIDATION_NOT_FOUND,
          "tokenId", ProblemType.TOKEN_NOT_FOUND);

  private ImpossibleNames() {}

  static Optional<org.springframework.http.ProblemDetail> notFound(Exception ex) {
    if (ex instanceof MethodArgumentTypeMismatchException mismatch
        && IDS.containsKey(mismatch.getName())) {
      return Optional.of(
          ProblemResponses.detail(
              IDS.get(mismatch.getName()),
              "%s %s does not exist (ids are UUIDs)"
                  .formatted(noun(mismatch.getName()), mismatch.getValue())));
    }
    if (ex instanceof HandlerMethodValidationException invalid
        && !CREATE_NAMESPACE.equals(invalid.getMethod().getName())
        && !invalid.getParameterValidationResults().isEmpty()
        && invalid.getParameterValidationResults().stream()
            .allMatch(r -> "namespace".equals(r.getMethodParameter().getParameterName()))) {
      Object name = invalid.getParameterValidationResults().get(0).getArgument();
      return Optional.of(
          ProblemResponses.detail(
              ProblemType.NAMESPACE_NOT_FOUND,
              "namespace '%s' does not exist (names are 1 to 63 lowercase letters, digits and"
                      .formatted(name)
                  + " '-', starting with a letter or digit)"));
    }
    return Optional.empty();
  }

  private static String noun(String parameter) {
    return parameter.substring(0, parameter.length() - 2);
  }
}
