package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.HealthContributors;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;

@ExtendWith(OutputCaptureExtension.class)
class OperabilityTest extends ServiceTest {

  @Autowired DataSource dataSource;
  @Autowired HealthContributors healthContributors;

  @Test
  void shouldReportHealthOfDatabaseAndObjectStore() throws Exception {
    ApiResponse health = api.get("/actuator/health");
    assertThat(health.status()).isEqualTo(200);
    JsonNode components = health.json().get("components");
    assertThat(components.get("db").get("status").asString()).isEqualTo("UP");
    assertThat(components.get("storage").get("status").asString()).isEqualTo("UP");
    assertThat(components.get("storage").has("details") || components.get("db").has("details"))
        .as("health asks for no token: no bucket, database or failure text by default")
        .isFalse();

    assertThat(components.propertyNames())
        .as("the components docs/operations.md names: a Spring Boot upgrade that adds one shows")
        .containsExactlyInAnyOrder(
            "db", "storage", "diskSpace", "ping", "ssl", "livenessState", "readinessState");
    assertThat(components.get("ssl").get("status").asString())
        .as("no SSL bundle configured: nothing to check")
        .isEqualTo("UP");

    ApiResponse readiness = api.get("/actuator/health/readiness");
    assertThat(readiness.json().get("components").propertyNames())
        .as("readiness checks the database and the bucket only (docs/operations.md)")
        .containsExactlyInAnyOrder("db", "storage", "readinessState");
    assertThat(health.text()).doesNotContain("pt2cache\"", "PostgreSQL");
    assertThat(healthContributors.getContributor("db"))
        .as("the service's own check, bounded (ADR 0024), not Spring Boot's isValid(0)")
        .isInstanceOf(DatabaseHealthIndicator.class);
    assertThat(
            ((HealthIndicator) healthContributors.getContributor("diskSpace"))
                .health(true)
                .getDetails()
                .get("path"))
        .as("diskSpace watches the disk the spool writes to (ADR 0035), not the working directory")
        .isEqualTo(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().toString());
    assertThat(dataSource.unwrap(HikariDataSource.class).getConnectionTimeout())
        .as("PT2CACHE_DB_CONNECTION_WAIT_MS")
        .isEqualTo(5000);
  }

  @Test
  void shouldCountBytesInAndOutAndTimeRequests() {
    // the store's own side, as the SDK timed it: the upload's PutObject, and the download's
    // GetObject, a small one read whole over the control client (SmallReads). Counted before and
    // after, since other tests of this context make the same series
    String putByUploads = storeCall("uploads", "PutObject");
    String getByControl = storeCall("control", "GetObject");
    double puts = metric("pt2cache_store_calls_seconds_count", putByUploads);
    double gets = metric("pt2cache_store_calls_seconds_count", getByControl);
    byte[] bytes = Fixtures.randomBytes(12_345);
    JsonNode ready = uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), bytes).json();
    api.get(ready.get("downloadUrl").asString());

    String metrics = api.get("/actuator/prometheus").text();
    assertThat(metrics)
        .containsPattern(bytesCounter("in") + " 12345.0")
        .containsPattern(bytesCounter("out") + " 12345.0")
        .contains("http_server_requests_seconds_bucket{")
        .contains("tomcat_threads_busy_threads{");
    assertThat(metric("pt2cache_store_calls_seconds_count", putByUploads)).isGreaterThan(puts);
    assertThat(metric("pt2cache_store_calls_seconds_count", getByControl)).isGreaterThan(gets);
  }

  private static String storeCall(String client, String operation) {
    return "[^}]*client=\"%s\",[^}]*operation=\"%s\",outcome=\"success\"[^}]*"
        .formatted(client, operation);
  }

  @Test
  void shouldExposeUsagePerNamespaceAsGauges() {
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    uploadMegaCache(descriptor, Fixtures.randomBytes(4321));
    api.putJson(path(""), "{\"quotaBytes\": 1000000}");
    api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", descriptor));

    String namespace = "[^}]*namespace=\"" + ns + "\"[^}]*";
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(metric("pt2cache_namespace_artifacts", namespace)).isEqualTo(1);
              assertThat(metric("pt2cache_namespace_stored_bytes", namespace)).isEqualTo(4321);
              assertThat(metric("pt2cache_namespace_quota_bytes", namespace)).isEqualTo(1000000);
              assertThat(metric("pt2cache_namespace_hit_ratio", namespace)).isEqualTo(1.0);
            });
  }

  @Test
  void shouldLogWhichArtifactARequestTouched(CapturedOutput output) {
    JsonNode ready =
        uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), Fixtures.randomBytes(10)).json();
    String id = ready.get("id").asString();

    assertThat(output.getOut().lines())
        .anySatisfy(
            line ->
                assertThat(line)
                    .contains("\"artifactId\":\"" + id + "\"")
                    .contains("\"namespace\":\"" + ns + "\"")
                    .contains("\"httpStatus\":\"200\"")
                    .contains("\"requestId\":"));
  }

  /** A 404 or a 503 says little alone: the access line and a counter name the problem's type. */
  @Test
  void shouldLogAndCountEachProblemByItsType(CapturedOutput output) {
    double before = counted("pt2cache.problems", "type", "artifact-not-found");
    String missing = "00000000-0000-4000-8000-000000000000";

    assertProblem(api.get(path("/artifacts/" + missing)), 404, "artifact-not-found");

    assertThat(counted("pt2cache.problems", "type", "artifact-not-found")).isEqualTo(before + 1);
    assertThat(output.getOut().lines())
        .anySatisfy(
            line ->
                assertThat(line)
                    .contains("\"httpPath\":\"/v1/namespaces/" + ns + "/artifacts/" + missing)
                    .contains("\"problemType\":\"artifact-not-found\""));
  }

  /**
   * A call a filter refuses before anything reads it (a header of one value given twice) has its
   * access line too, with its status and the problem's type, and is counted.
   */
  @Test
  void shouldLogAndCountAProblemAnsweredBeforeTheCallWasRouted(CapturedOutput output) {
    double before = counted("pt2cache.problems", "type", "invalid-request");
    String body = "{\"selector\": {\"modelName\": \"m\"}, \"reason\": \"r\"}";

    ApiResponse refused =
        api.postJson(path("/invalidations"), body, "Idempotency-Key", "a", "Idempotency-Key", "b");
    assertProblem(refused, 400, "invalid-request");

    assertThat(counted("pt2cache.problems", "type", "invalid-request")).isEqualTo(before + 1);
    assertThat(output.getOut().lines())
        .anySatisfy(
            line ->
                assertThat(line)
                    .contains("\"requestId\":\"" + refused.header("X-Request-Id") + "\"")
                    .contains("\"httpPath\":\"" + path("/invalidations") + "\"")
                    .contains("\"httpStatus\":\"400\"")
                    .contains("\"problemType\":\"invalid-request\""));
  }

  /** A problem outside /v1 (a scanner's 404) is nobody's access line: it must not stick. */
  @Test
  void shouldNotCarryAProblemOverToALaterRequestOnTheSameThread(CapturedOutput output) {
    double before = counted("pt2cache.problems", "type", "not-found");
    for (int i = 0; i < 40; i++) {
      assertThat(api.get("/no-such-page-" + i).status()).isEqualTo(404);
    }
    for (int i = 0; i < 40; i++) {
      assertThat(api.get(path("")).status()).isEqualTo(200);
    }
    assertThat(counted("pt2cache.problems", "type", "not-found")).isEqualTo(before);
    assertThat(output.getOut().lines())
        .filteredOn(line -> line.contains("\"httpStatus\":\"200\""))
        .noneMatch(line -> line.contains("problemType"));
  }

  /**
   * Which client made a call: the Python client names its version (pt2cache-python/x.y.z) so that
   * an operator finds the nodes that still run an old one; a header too long for a log is cut.
   */
  @Test
  void shouldLogWhichClientMadeACall(CapturedOutput output) {
    String agent = "pt2cache-python/0.1.0 python/3.9.18";
    assertThat(api.get(path("/artifacts"), "User-Agent", agent).status()).isEqualTo(200);
    assertThat(api.get(path("/evictions"), "User-Agent", "x".repeat(1000)).status()).isEqualTo(200);

    assertThat(output.getOut().lines())
        .anySatisfy(
            line ->
                assertThat(line)
                    .contains("\"httpPath\":\"" + path("/artifacts") + "\"")
                    .contains("\"userAgent\":\"" + agent + "\""));
    assertThat(output.getOut().lines())
        .anySatisfy(
            line ->
                assertThat(line)
                    .contains("\"httpPath\":\"" + path("/evictions") + "\"")
                    .contains("\"userAgent\":\"" + "x".repeat(200) + "\""));
  }

  /**
   * The namespace as the call was routed, however the path spelt it; a path with a parameter in a
   * segment, which Tomcat would drop ({@code beta;x=1} reached {@code beta}), is refused and logged
   * as it came ({@link PathParametersFilter}).
   */
  @Test
  void shouldLogTheNamespaceAnEncodedPathReached(CapturedOutput output) {
    String encoded = "%" + Integer.toHexString(ns.charAt(0)) + ns.substring(1);
    assertThat(api.get("/v1/namespaces/" + encoded + "/artifacts").status()).isEqualTo(200);
    assertThat(api.get("/v1/namespaces/" + ns + ";x=1/evictions").status()).isEqualTo(400);

    assertThat(output.getOut().lines())
        .anySatisfy(
            line ->
                assertThat(line)
                    .contains("\"httpPath\":\"/v1/namespaces/" + encoded + "/artifacts\"")
                    .contains("\"namespace\":\"" + ns + "\""));
    assertThat(output.getOut().lines())
        .anySatisfy(
            line ->
                assertThat(line)
                    .contains("\"httpPath\":\"/v1/namespaces/" + ns + ";x=1/evictions\"")
                    .contains("\"httpStatus\":\"400\""));
  }

  /**
   * A call refused before it is routed names its namespace too, however the path spelt it: one
   * whose {@code /v1/} was percent-encoded had no {@code namespace} in its access line, as the
   * namespace was read from the path as sent.
   */
  @Test
  void shouldLogTheNamespaceOfACallRefusedBeforeItWasRouted(CapturedOutput output) {
    String path = "/%761/namespaces/" + ns + "/entries/fx-graph/gzipped";
    ApiResponse refused =
        api.send(
            api.request(
                    path, "Content-Type", "application/octet-stream", "Content-Encoding", "gzip")
                .PUT(BodyPublishers.ofString("abc"))
                .build());
    assertThat(refused.status()).isEqualTo(415);

    assertThat(output.getOut().lines())
        .anySatisfy(
            line ->
                assertThat(line)
                    .contains("\"httpPath\":\"" + path + "\"")
                    .contains("\"namespace\":\"" + ns + "\""));
  }

  @Test
  void shouldServeTheContractItselfToSwaggerUi() throws Exception {
    ApiResponse contract = api.get("/openapi.yaml");
    assertThat(contract.status()).isEqualTo(200);
    assertThat(contract.header("Content-Type")).startsWith("application/yaml");
    assertThat(contract.body()).isEqualTo(Files.readAllBytes(Path.of("openapi.yaml")));

    ApiResponse ui = api.get("/swagger-ui/index.html");
    assertThat(ui.text()).contains("url: \"../openapi.yaml\"");
    assertThat(api.get("/webjars/swagger-ui/swagger-ui-bundle.js").status()).isEqualTo(200);
  }

  /**
   * A browser asks for {@code /favicon.ico} at the host's root unless the page names its icon: that
   * is a 404 problem on the service, and outside the path behind a proxy that adds one, each logged
   * as an error in the browser's console on every load of Swagger UI.
   */
  @Test
  void shouldNameSwaggerUisIconSoThatTheBrowserAsksTheHostsRootForNone() {
    Matcher icon =
        Pattern.compile("<link rel=\"icon\"[^>]* href=\"([^\"]+)\"")
            .matcher(api.get("/swagger-ui/index.html").text());
    assertThat(icon.find()).as("a <link rel=\"icon\"> in swagger-ui/index.html").isTrue();
    URI resolved =
        URI.create("https://proxy.example/cache/swagger-ui/index.html").resolve(icon.group(1));
    assertThat(resolved.getPath()).startsWith("/cache/");
    ApiResponse served = api.get(resolved.getPath().substring("/cache".length()));
    assertThat(served.status()).isEqualTo(200);
    assertThat(served.header("Content-Type")).startsWith("image/png");
  }

  /**
   * A proxy that serves the service under /cache/ (and strips it) passes the pages on unchanged:
   * every address the browser follows from them, resolved as a browser does, stays under /cache/.
   */
  @Test
  void shouldLeadSwaggerUiToTheServiceBehindAProxyThatAddsAPath() throws IOException {
    URI root = URI.create("https://proxy.example/cache/");
    for (String from : List.of("/", "/swagger-ui")) {
      ApiResponse redirect = api.get(from);
      assertThat(redirect.status()).isEqualTo(302);
      assertThat(root.resolve(from.substring(1)).resolve(redirect.header("Location")))
          .hasPath("/cache/swagger-ui/index.html");
    }
    URI page = root.resolve("swagger-ui/index.html");
    Matcher address =
        Pattern.compile("(?:href|src)=\"([^\"]+)\"|url: \"([^\"]+)\"")
            .matcher(api.get("/swagger-ui/index.html").text());
    List<String> followed = new ArrayList<>();
    while (address.find()) {
      String relative = address.group(1) != null ? address.group(1) : address.group(2);
      URI resolved = page.resolve(relative);
      followed.add(resolved.getPath());
      assertThat(api.get(resolved.getPath().substring("/cache".length())).status())
          .as(relative)
          .isEqualTo(200);
    }
    assertThat(followed).contains("/cache/openapi.yaml").allMatch(p -> p.startsWith("/cache/"));

    // Swagger UI resolves the contract's server against the contract's own address
    String server = contractServer();
    assertThat(root.resolve("openapi.yaml").resolve(server)).hasToString(root.toString());
  }

  private static String contractServer() throws IOException {
    Matcher server =
        Pattern.compile("^servers:\\n  - url: (\\S+)$", Pattern.MULTILINE)
            .matcher(Files.readString(Path.of("openapi.yaml")));
    assertThat(server.find()).isTrue();
    return server.group(1);
  }

  private String bytesCounter(String direction) {
    return "pt2cache_transfer_bytes_total\\{[^}]*direction=\""
        + direction
        + "\"[^}]*namespace=\""
        + ns
        + "\"[^}]*}";
  }
}
