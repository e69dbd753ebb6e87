package dev.pt2cache.support;

import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.responses.ApiResponse;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether every header the service set on an answer is one the contract declares for its operation
 * and status (or for the {@code default} response the status falls under). The validator checks the
 * headers a response declares, and says nothing of one it does not: a client generated from the
 * contract, or written from it, never learns of it, and it becomes behaviour no one promised and no
 * one may take away.
 */
final class ContractHeaders {

  /**
   * Headers that HTTP or the server puts on answers by itself, which the contract need not declare:
   *
   * <ul>
   *   <li>{@code Date}: Tomcat's, on every answer (RFC 9110, 6.6.1).
   *   <li>{@code Content-Type}: OpenAPI describes it by a response's {@code content}, and ignores a
   *       header of that name (OpenAPI 3.0.3, 4.7.17.1); the validator checks it against the
   *       content.
   *   <li>{@code Transfer-Encoding}, {@code Connection}, {@code Keep-Alive}: how this connection
   *       frames the message and whether it stays open, Tomcat's (RFC 9112; {@code Connection:
   *       close} after a refused body), hop by hop: a proxy in front replaces them.
   * </ul>
   *
   * <p>{@code Content-Length} is the framing of a JSON body, which Tomcat adds by itself to a body
   * it holds whole, so it is exempt on JSON answers only: on the content answers (the bytes, and
   * what a {@code HEAD} says of them) the service sets it as the content's size, and the contract
   * declares it. {@code Vary} is not exempt: nothing sends it, and a service that began to vary its
   * answers by a request header would owe caches and clients the word.
   */
  private static final Set<String> NOT_THE_SERVICES =
      Set.of("date", "content-type", "transfer-encoding", "connection", "keep-alive");

  /** The declared header names of each operation's response, by "operationId status". */
  private static final Map<String, Set<String>> DECLARED = new ConcurrentHashMap<>();

  private ContractHeaders() {}

  /**
   * The headers of this answer that the contract does not declare for its operation and status,
   * lower-cased; none where the call matches no operation of the contract.
   */
  static Set<String> undeclared(
      String method, String path, int status, Map<String, List<String>> headers) {
    Operation operation = ContractStatuses.operation(method, path);
    if (operation == null) {
      return Set.of();
    }
    Set<String> declared =
        DECLARED.computeIfAbsent(
            operation.getOperationId() + " " + status, key -> declared(operation, status));
    boolean json =
        headers.entrySet().stream()
            .anyMatch(
                e ->
                    e.getKey().equalsIgnoreCase("Content-Type")
                        && e.getValue().stream().anyMatch(type -> type.contains("json")));
    Set<String> undeclared = new TreeSet<>();
    headers.forEach(
        (name, values) -> {
          String lower = name.toLowerCase(Locale.ROOT);
          if (!NOT_THE_SERVICES.contains(lower)
              && !(json && lower.equals("content-length"))
              && !declared.contains(lower)
              && !excused(lower, status, values, json)) {
            undeclared.add(lower);
          }
        });
    return undeclared;
  }

  /**
   * Headers Spring MVC adds that look wrong rather than undeclared, so the contract does not
   * promise them (docs/adr/0001, "every header the service sets is declared"): the name, and the
   * status or value it is excused on. Each goes once the service stops sending it.
   *
   * <ul>
   *   <li>{@code Accept} on a {@code 406}: Spring names there the media types it could have
   *       answered, but an {@code Accept} in a response names what a request's body may be (RFC
   *       9110, 12.5.1), and a {@code GET} has none.
   *   <li>{@code Content-Disposition: inline;filename=f.txt} on a JSON answer: Spring's guard
   *       against reflected file downloads, on any answer whose path ends in what it takes for an
   *       unknown file extension (an entry's key {@code model.bin}), kept on purpose where the
   *       service answers JSON there (a problem's detail may quote the request). The bytes are not
   *       excused: the service names them itself ({@code attachment; filename="model.bin"}, which
   *       the contract declares), and a {@code f.txt} there would save an entry under a name that
   *       is not its own.
   * </ul>
   */
  private static boolean excused(String name, int status, List<String> values, boolean json) {
    return switch (name) {
      case "accept" -> status == 406;
      case "content-disposition" -> json && values.equals(List.of("inline;filename=f.txt"));
      default -> false;
    };
  }

  private static Set<String> declared(Operation operation, int status) {
    ApiResponse response = operation.getResponses().get(String.valueOf(status));
    if (response == null) {
      response = operation.getResponses().getDefault();
    }
    if (response != null && response.get$ref() != null) {
      String name = response.get$ref().substring(response.get$ref().lastIndexOf('/') + 1);
      response = ContractStatuses.API.getComponents().getResponses().get(name);
    }
    Set<String> names = new TreeSet<>();
    if (response != null && response.getHeaders() != null) {
      response.getHeaders().keySet().forEach(name -> names.add(name.toLowerCase(Locale.ROOT)));
    }
    return Set.copyOf(names);
  }
}
