package dev.pt2cache.support;

import com.atlassian.oai.validator.interaction.ApiOperationResolver;
import com.atlassian.oai.validator.model.ApiOperationMatch;
import com.atlassian.oai.validator.model.Request;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.parser.OpenAPIV3Parser;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Whether an answer's status is one its operation names. Every operation of openapi.yaml also has a
 * {@code default} response, which the validator takes for any status, so without this check a
 * status the contract never mentions for an operation (a client cannot plan for it) would pass. The
 * statuses any operation may answer, as the contract's introduction says, are the exceptions.
 */
final class ContractStatuses {

  static final OpenAPI API =
      new OpenAPIV3Parser().read(Path.of("openapi.yaml").toAbsolutePath().toString());
  private static final ApiOperationResolver OPERATIONS = new ApiOperationResolver(API, null, false);

  /** Answers of every operation (openapi.yaml's introduction), by status: any type, or these. */
  private static final Map<Integer, Set<String>> ANY_OPERATION =
      Map.of(
          400, Set.of("invalid-request"),
          406, Set.of("not-acceptable"),
          408, Set.of("request-timeout"),
          413, Set.of("payload-too-large"),
          415, Set.of("unsupported-media-type"),
          429, Set.of("rate-limited"),
          503, Set.of());

  private ContractStatuses() {}

  /** Why the contract does not admit this status for this call, if it does not. */
  static Optional<String> unnamed(String method, String path, int status, String problemType) {
    Operation operation = operation(method, path);
    if (operation == null) {
      return Optional.empty();
    }
    if (operation.getResponses().containsKey(String.valueOf(status))) {
      return Optional.empty();
    }
    Set<String> types = ANY_OPERATION.get(status);
    if (types != null
        && (types.isEmpty()
            || (problemType != null
                && types.contains(problemType.replace("urn:pt2cache:problem:", ""))))) {
      return Optional.empty();
    }
    return Optional.of(
        operation.getOperationId()
            + " does not name "
            + status
            + (problemType == null ? "" : " " + problemType)
            + " among its responses");
  }

  /** The contract's operation for this call; null where the contract has none (not its API). */
  static Operation operation(String method, String path) {
    ApiOperationMatch match = OPERATIONS.findApiOperation(path, Request.Method.valueOf(method));
    if (!match.isPathFound() || !match.isOperationAllowed()) {
      return null;
    }
    return match.getApiOperation().getOperation();
  }
}
