package dev.pt2cache.support;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.assertj.core.api.Assertions;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A plain HTTP client for the running service. Every response (errors included) is checked against
 * openapi.yaml: a response the contract does not describe, a status its operation does not list
 * ({@link ContractStatuses}), or a header the service set that the contract does not declare for
 * the operation and status ({@link ContractHeaders}), fails the test.
 */
public final class ApiClient {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static final OpenApiInteractionValidator CONTRACT =
      OpenApiInteractionValidator.createForSpecificationUrl(
              Path.of("openapi.yaml").toAbsolutePath().toUri().toString())
          .build();

  /** Requests the service refuses outright need not match an operation of the contract. */
  private static final Set<String> NOT_IN_CONTRACT =
      Set.of("validation.request.path.missing", "validation.request.operation.notAllowed");

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final int port;
  private final String base;
  private final String token;

  /** A client that calls as the operator, with the admin token of the test services. */
  public ApiClient(int port) {
    this(port, EmbeddedInfra.ADMIN_TOKEN);
  }

  /** A client that sends {@code token} as its bearer token, or no token when it is null. */
  public ApiClient(int port, String token) {
    this.port = port;
    this.base = "http://127.0.0.1:" + port;
    this.token = token;
  }

  /** The same service, called with another token (null: none). */
  public ApiClient withToken(String other) {
    return new ApiClient(port, other);
  }

  public ApiResponse get(String path, String... headers) {
    return send(request(path, headers).GET().build());
  }

  public ApiResponse delete(String path) {
    return send(request(path).DELETE().build());
  }

  public ApiResponse head(String path, String... headers) {
    return send(request(path, headers).method("HEAD", BodyPublishers.noBody()).build());
  }

  public ApiResponse postJson(String path, String json, String... headers) {
    return send(
        request(path, withDefault(headers, "Content-Type", "application/json"))
            .POST(BodyPublishers.ofString(json))
            .build());
  }

  public ApiResponse putJson(String path, String json) {
    return send(
        request(path, "Content-Type", "application/json")
            .PUT(BodyPublishers.ofString(json))
            .build());
  }

  /** A JSON merge patch (RFC 7396), sent as the given {@code Content-Type}. */
  public ApiResponse patch(String path, String json, String contentType) {
    return send(
        request(path, "Content-Type", contentType)
            .method("PATCH", BodyPublishers.ofString(json))
            .build());
  }

  public ApiResponse mergePatch(String path, String json) {
    return patch(path, json, "application/merge-patch+json");
  }

  public ApiResponse putBytes(String path, byte[] body, String... headers) {
    return putBody(path, BodyPublishers.ofByteArray(body), headers);
  }

  public ApiResponse putStream(String path, Supplier<InputStream> body, String... headers) {
    return putBody(path, BodyPublishers.ofInputStream(body), headers);
  }

  public ApiResponse putBody(String path, BodyPublisher body, String... headers) {
    String[] all = withDefault(headers, "Content-Type", "application/octet-stream");
    return send(request(path, all).PUT(body).build());
  }

  /** Sends a request as given, path tricks included: the raw path is not normalized. */
  public ApiResponse send(HttpRequest request) {
    try {
      var response = http.send(request, BodyHandlers.ofByteArray());
      ApiResponse answer =
          new ApiResponse(response.statusCode(), response.headers().map(), response.body());
      checkAgainstContract(request, answer);
      return answer;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public HttpRequest.Builder request(String path, String... headers) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(5));
    boolean authorizationGiven = false;
    for (int i = 0; i < headers.length; i += 2) {
      builder.header(headers[i], headers[i + 1]);
      authorizationGiven |= headers[i].equalsIgnoreCase("Authorization");
    }
    if (token != null && !authorizationGiven) {
      builder.header("Authorization", "Bearer " + token);
    }
    return builder;
  }

  private static void checkAgainstContract(HttpRequest request, ApiResponse response) {
    String path = request.uri().getRawPath();
    if (!path.startsWith("/v1/")) {
      return;
    }
    var builder = SimpleResponse.Builder.status(response.status());
    response.headers().forEach((name, values) -> builder.withHeader(name, values));
    String type = response.header("Content-Type");
    if (type != null && type.contains("json")) {
      builder.withBody(response.text());
    } else if (response.body().length > 0) {
      builder.withBody(response.body());
    }
    // the validator takes the empty body of an artifact of 0 bytes for none at all
    boolean noBytes = response.body().length == 0 && type != null && type.contains("octet-stream");
    // a HEAD answer carries no content (RFC 9110, 9.3.2), even where the contract describes what
    // a GET would: the problem of a refused HEAD (401, 403) is in its status and challenge only
    boolean head = request.method().equals("HEAD");
    ValidationReport report =
        CONTRACT.validateResponse(path, Request.Method.valueOf(request.method()), builder.build());
    List<ValidationReport.Message> problems =
        report.getMessages().stream()
            .filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
            .filter(m -> !NOT_IN_CONTRACT.contains(m.getKey()))
            .filter(
                m -> !((noBytes || head) && m.getKey().equals("validation.response.body.missing")))
            .toList();
    String body = type != null && type.contains("json") ? response.text() : "(bytes)";
    String problemType = type != null && type.contains("problem") ? problemType(response) : null;
    Assertions.assertThat(
            ContractStatuses.unnamed(request.method(), path, response.status(), problemType))
        .as("%s %s -> %d %s", request.method(), path, response.status(), body)
        .isEmpty();
    Assertions.assertThat(problems)
        .as(
            "%s %s -> %d %s is not what openapi.yaml describes",
            request.method(), path, response.status(), body)
        .isEmpty();
    Assertions.assertThat(
            ContractHeaders.undeclared(
                request.method(), path, response.status(), response.headers()))
        .as(
            "headers of %s %s -> %d that openapi.yaml does not declare for it",
            request.method(), path, response.status())
        .isEmpty();
  }

  private static String problemType(ApiResponse response) {
    try {
      return JSON.readTree(response.body()).path("type").asString(null);
    } catch (RuntimeException notJson) {
      return null; // the validator names a body that is not the problem the contract describes
    }
  }

  /**
   * {@code headers}, and {@code name: value} before them where they give no such header: a request
   * gives a header of one value once (the service refuses two {@code Content-Type}s).
   */
  private static String[] withDefault(String[] headers, String name, String value) {
    for (int i = 0; i < headers.length; i += 2) {
      if (headers[i].equalsIgnoreCase(name)) {
        return headers;
      }
    }
    String[] all = new String[headers.length + 2];
    all[0] = name;
    all[1] = value;
    System.arraycopy(headers, 0, all, 2, headers.length);
    return all;
  }

  /** An answer: status, headers and the whole body (tests only download small artifacts). */
  public record ApiResponse(int status, Map<String, List<String>> headers, byte[] body) {

    public String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0))
          .findFirst()
          .orElse(null);
    }

    public String text() {
      return new String(body, java.nio.charset.StandardCharsets.UTF_8);
    }

    public JsonNode json() {
      return JSON.readTree(body);
    }
  }
}
